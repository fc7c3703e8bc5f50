export interface Slot {
  start: number;
  end: number;
}

/**
 * Free gaps of at least `minLength` minutes between busy meetings inside a working day
 * (times are minutes since midnight; meetings may overlap and come unsorted).
 */
export function freeSlots(busy: readonly Slot[], dayStart: number, dayEnd: number, minLength: number): Slot[] {
  const sorted = [...busy].sort((a, b) => a.start - b.start);
  const free: Slot[] = [];
  let cursor = dayStart;
  for (const meeting of sorted) {
    if (meeting.start - cursor >= minLength) free.push({ start: cursor, end: meeting.start });
    cursor = Math.max(cursor, meeting.end);
  }
  if (dayEnd - cursor >= minLength) free.push({ start: cursor, end: dayEnd });
  return free;
}
