/**
 * Lookups by own key for tables indexed by input. `TABLE[name]` with a name
 * from a file (`model_type: "__proto__"`, `hidden_act: "constructor"`, a
 * dtype `"toString"`) finds Object.prototype's members instead of nothing,
 * and the importer then calls or stores them: exit 2, or a profile that cannot
 * be read back. Every table indexed by a name from input goes through here.
 */

/** `table[key]` when `key` is the table's own property, else undefined. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** True when `key` is an own property of `table`. */
export function hasOwnKey(table: object, key: string): boolean {
  return Object.hasOwn(table, key);
}
