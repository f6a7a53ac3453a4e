/** A loader that runs once: later calls get the same promise (registries use it so a type's module is imported once, not once per package). */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
