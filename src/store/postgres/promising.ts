/** The same operations, each answered with a promise: how the PostgreSQL store provides every port. */
export type Promising<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : T[K] };
