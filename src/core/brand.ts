/**
 * Cross-copy `instanceof` for weft's error classes.
 *
 * Two copies of weft in one process (a dependency bundling its own, a test
 * runner loading both the source and the build) each define their own
 * classes, so plain `instanceof` would say an error from one copy is not an
 * error of the other. Every weft error instead carries the global brands
 * (`Symbol.for('weft.error.<Name>')`) of its class and of every ancestor, and
 * each class's `Symbol.hasInstance` checks membership. Names are registered
 * explicitly, so a minifier renaming classes changes nothing.
 *
 * @internal
 */

/** The property holding an error's brands. */
export const BRANDS: unique symbol = Symbol.for('weft.error.brands') as never;

const names = new WeakMap<object, string>();
const extraBrands = new WeakMap<object, readonly symbol[]>();
const brandCache = new WeakMap<object, readonly symbol[]>();

function nameOf(ctor: object): string {
  return names.get(ctor) ?? (ctor as { name: string }).name;
}

function brandSymbol(ctor: object): symbol {
  return Symbol.for(`weft.error.${nameOf(ctor)}`);
}

/**
 * Registers `ctor` under the stable `name` (also set as `prototype.name`), and
 * makes its instances `instanceof` each class of `also` without inheriting
 * from them.
 */
export function nameError(
  ctor: abstract new (...args: never[]) => Error,
  name: string,
  ...also: object[]
): void {
  names.set(ctor, name);
  Object.defineProperty(ctor.prototype, 'name', {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (also.length > 0) extraBrands.set(ctor, also.map(brandSymbol));
}

/** The brands an instance of `ctor` carries: its class's and every ancestor's, up to `Error`. */
export function brandsFor(ctor: object): readonly symbol[] {
  let brands = brandCache.get(ctor);
  if (brands !== undefined) return brands;
  const list: symbol[] = [];
  for (
    let c: unknown = ctor;
    typeof c === 'function' && c !== Error && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    list.push(brandSymbol(c));
    const extra = extraBrands.get(c);
    if (extra !== undefined) list.push(...extra);
  }
  brands = list;
  brandCache.set(ctor, brands);
  return brands;
}

/** The `Symbol.hasInstance` test shared by every weft error class. */
export function hasBrand(ctor: object, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brands = (value as { [BRANDS]?: unknown })[BRANDS];
  return Array.isArray(brands) && brands.includes(brandSymbol(ctor));
}
