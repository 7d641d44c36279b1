/**
 * Compile-time checks that a zod schema and the object type it validates describe one type, so the
 * type can carry the TSDoc (which does not survive into the declarations of a
 * `z.infer<typeof Schema>`) while the schema stays the one validator: `type _Checked =
 * Holds<SameType<z.infer<typeof XSchema>, X>>` fails the type check when the two drift apart.
 * Such types are aliases of object types, not interfaces, as a `z.infer` is: an interface is not
 * assignable to `Record<string, unknown>`, which `SameType` cannot see. They write an optional
 * field `?: T | undefined`, as zod infers it, so an app compiled with `exactOptionalPropertyTypes`
 * sees the type it saw as a `z.infer` (the package's own type check runs with that option, where
 * `SameType` tells the two apart). Not exported from the package.
 */

/**
 * `true` exactly when `X` and `Y` are one type. Assignability both ways would not do: it lets an
 * optional field present on one side only, and a `readonly` on one side only, through.
 * @internal
 */
export type SameType<X, Y> =
  (<V>() => V extends X ? 1 : 2) extends <V>() => V extends Y ? 1 : 2 ? true : false;

/** Compiles only for `true`: a `SameType` that is `false` fails the type check. @internal */
export type Holds<T extends true> = T;
