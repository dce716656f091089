/** A binary min-heap whose items remember their index, so any item can be removed or re-sifted in O(log n). */
export interface HeapItem {
  heapIndex: number;
}

export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const i = item.heapIndex;
    const items = this.#items;
    if (i < 0 || items[i] !== item) return;
    const last = items.pop() as T;
    if (i < items.length) {
      items[i] = last;
      last.heapIndex = i;
      this.fix(last);
    }
    item.heapIndex = -1;
  }

  /** Restores order after the item's key changed. */
  fix(item: T): void {
    if (!this.#up(item.heapIndex)) this.#down(item.heapIndex);
  }

  values(): readonly T[] {
    return this.#items;
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i] as T;
    const b = items[j] as T;
    items[i] = b;
    items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  #up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.#items[i] as T, this.#items[parent] as T)) break;
      this.#swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.less(this.#items[r] as T, this.#items[l] as T) ? r : l;
      if (!this.less(this.#items[c] as T, this.#items[i] as T)) return;
      this.#swap(i, c);
      i = c;
    }
  }
}
