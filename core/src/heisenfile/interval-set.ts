/** A half-open range [start, end) of byte offsets. */
export type Range = readonly [start: number, end: number];

/**
 * A set of byte offsets kept as sorted, disjoint, non-adjacent ranges. Adjacent and overlapping
 * ranges merge on insertion, so a sequential writer (or the fill) keeps it at one range: memory
 * stays proportional to the number of holes, not to the number of writes.
 */
export class IntervalSet {
  private ranges: [number, number][] = [];

  get count(): number {
    return this.ranges.length;
  }

  /** The ranges, in order (a copy). */
  toArray(): Range[] {
    return this.ranges.map(([s, e]) => [s, e] as const);
  }

  /** Index of the first range whose end is past `offset` (binary search). */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]![1] > offset) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    // First range that touches or follows `start` (adjacent ranges merge too).
    let i = this.firstEndingAfter(start - 1);
    if (i > 0 && this.ranges[i - 1]![1] === start) i--;
    let j = i;
    let s = start;
    let e = end;
    while (j < this.ranges.length && this.ranges[j]![0] <= end) {
      s = Math.min(s, this.ranges[j]![0]);
      e = Math.max(e, this.ranges[j]![1]);
      j++;
    }
    this.ranges.splice(i, j - i, [s, e]);
  }

  remove(start: number, end: number): void {
    if (end <= start) return;
    const i = this.firstEndingAfter(start);
    const kept: [number, number][] = [];
    let j = i;
    while (j < this.ranges.length && this.ranges[j]![0] < end) {
      const [s, e] = this.ranges[j]!;
      if (s < start) kept.push([s, start]);
      if (e > end) kept.push([end, e]);
      j++;
    }
    this.ranges.splice(i, j - i, ...kept);
  }

  /** The parts of [start, end) inside the set, in order. */
  intersect(start: number, end: number): Range[] {
    const out: Range[] = [];
    for (let i = this.firstEndingAfter(start); i < this.ranges.length; i++) {
      const [s, e] = this.ranges[i]!;
      if (s >= end) break;
      out.push([Math.max(s, start), Math.min(e, end)]);
    }
    return out;
  }

  /** The parts of [start, end) outside the set, in order. */
  gaps(start: number, end: number): Range[] {
    const out: Range[] = [];
    let at = start;
    for (const [s, e] of this.intersect(start, end)) {
      if (s > at) out.push([at, s]);
      at = e;
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  overlaps(start: number, end: number): boolean {
    if (end <= start) return false;
    const r = this.ranges[this.firstEndingAfter(start)];
    return r !== undefined && r[0] < end;
  }

  covers(start: number, end: number): boolean {
    if (end <= start) return true;
    const r = this.ranges[this.firstEndingAfter(start)];
    return r !== undefined && r[0] <= start && r[1] >= end;
  }
}
