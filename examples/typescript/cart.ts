// A shopping cart with discount codes, as pasted from an assistant's suggestion.

export interface LineItem {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export class Cart {
  private readonly lines: LineItem[] = [];

  add(item: LineItem): void {
    const existing = this.lines.find((l) => l.sku === item.sku);
    if (existing) existing.quantity += item.quantity;
    else this.lines.push({ ...item });
  }

  /**
   * Sum of all lines, before discounts.
   * @example
   * const c = new Cart();
   * c.add({ sku: 'a', quantity: 2, unitPrice: 3 });
   * c.subtotal() // => 6
   */
  subtotal(): number {
    return this.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  }

  /** Applies a percentage discount code such as "SAVE10". */
  total(code?: string): number {
    const percent = code ? Number(code.replace(/^SAVE/, '')) : 0;
    return this.subtotal() * (1 - percent / 100) + this.shipping;
  }

  itemCount(): number {
    return this.lines.reduce((n, l) => n + l.quantity, 0);
  }
}
