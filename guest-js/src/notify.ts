/**
 * Batches listener calls: inside `batch`, each listener is called once, after
 * the outermost batch ends, however many changes it was told about.
 */
export class Notifier {
  private depth = 0;
  private pending = new Set<() => void>();

  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  schedule(listener: () => void): void {
    if (this.depth > 0) {
      this.pending.add(listener);
      return;
    }
    this.call(listener);
  }

  private flush(): void {
    while (this.pending.size > 0) {
      const listeners = [...this.pending];
      this.pending.clear();
      this.depth++;
      try {
        for (const listener of listeners) this.call(listener);
      } finally {
        this.depth--;
      }
    }
  }

  private call(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      // One failing listener must not starve the others or corrupt the cache.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
