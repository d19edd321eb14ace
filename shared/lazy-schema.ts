/**
 * A zod schema that is built at its first use instead of when its module loads.
 *
 * The shared modules define some 300 schemas at their top level, and an extension page loads them
 * all before it can render anything: building them was most of an app page's start (a CPU profile
 * of app.html: 42 ms in zod's constructors and 29 ms of garbage collection, against a few
 * milliseconds of the page's own code). The companion's build wraps each of those definitions in
 * `lazySchema` (scripts/lazy-schemas.ts), so a page builds only the schemas it uses, when it uses
 * them. The server and the tests run the definitions as written.
 *
 * The answer stands in for the schema everywhere (parse, extend, optional, a field of another
 * schema, instanceof): every operation on it is passed to the schema, built once. A `build` that
 * does not give a zod schema fails at that first use, naming the definition.
 */
export function lazySchema<T extends object>(build: () => T, name = 'a schema'): T {
  let built: T | undefined;
  const schema = (): T => {
    if (built === undefined) {
      const made = build();
      if (typeof made !== 'object' || made === null || !('_zod' in made)) throw new TypeError(`lazySchema: ${name} is not a zod schema`);
      built = made;
    }
    return built;
  };
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => Reflect.get(schema(), key),
    set: (_, key, value) => Reflect.set(schema(), key, value),
    has: (_, key) => Reflect.has(schema(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(schema(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
    ownKeys: () => Reflect.ownKeys(schema()),
    // reported as configurable: the stand-in itself has none of the schema's own properties
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
