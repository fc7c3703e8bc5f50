/**
 * The elements of a matrix in clockwise spiral order, starting top left.
 * @example
 * spiralOrder([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) // => [1, 2, 3, 6, 9, 8, 7, 4, 5]
 * spiralOrder([[1, 2, 3, 4], [5, 6, 7, 8]]) // => [1, 2, 3, 4, 8, 7, 6, 5]
 * spiralOrder([[1], [2], [3]]) // => [1, 2, 3]
 * spiralOrder([[1, 2, 3]]) // => [1, 2, 3]
 * spiralOrder([]) // => []
 */
export function spiralOrder(matrix: number[][]): number[] {
  const out: number[] = [];
  if (matrix.length === 0) return out;
  let top = 0;
  let bottom = matrix.length - 1;
  let left = 0;
  let right = matrix[0]!.length - 1;
  while (top <= bottom && left <= right) {
    for (let c = left; c <= right; c++) out.push(matrix[top]![c]!);
    for (let r = top + 1; r <= bottom; r++) out.push(matrix[r]![right]!);
    if (top < bottom) for (let c = right - 1; c >= left; c--) out.push(matrix[bottom]![c]!);
    if (left < right) for (let r = bottom - 1; r > top; r--) out.push(matrix[r]![left]!);
    top++;
    bottom--;
    left++;
    right--;
  }
  return out;
}
