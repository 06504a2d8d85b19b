/** A listener registry with no cost when nobody listens. */
export class Emitter<Events extends object> {
  readonly #listeners: { [K in keyof Events]?: Array<(event: Events[K]) => void> } = {};

  on<K extends keyof Events>(event: K, listener: (event: Events[K]) => void): () => void {
    const list = this.#listeners[event] ?? [];
    list.push(listener);
    this.#listeners[event] = list;
    return () => {
      const current = this.#listeners[event];
      if (current === undefined) return;
      const index = current.indexOf(listener);
      if (index !== -1) current.splice(index, 1);
      if (current.length === 0) delete this.#listeners[event];
    };
  }

  has(event: keyof Events): boolean {
    return this.#listeners[event] !== undefined;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners[event];
    if (list === undefined) return;
    for (const listener of [...list]) listener(payload);
  }

  clear(): void {
    for (const key of Object.keys(this.#listeners)) delete this.#listeners[key as keyof Events];
  }
}
