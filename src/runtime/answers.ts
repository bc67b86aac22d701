/**
 * Working with a store's answers, which come at once (SQLite, memory) or
 * with a promise (PostgreSQL), without making the first kind wait: code
 * written with these stays synchronous on a synchronous store, so a
 * virtual-time run (the load test) still finishes each step before its
 * clock moves.
 */
import type { Answer } from '../store/ports.js';
import { isPromise } from './engine-ports.js';

/** `fn` of the answer: at once for an immediate answer, when it settles for a promise. */
export function andThen<T, R>(value: Answer<T>, fn: (value: T) => Answer<R>): Answer<R> {
  return isPromise(value) ? value.then(fn) : fn(value);
}

/** `fn` for each item in turn, each after the last one's answer. */
export function eachInTurn<T>(items: readonly T[], fn: (item: T) => Answer<unknown>): Answer<void> {
  for (let i = 0; i < items.length; i++) {
    const answer = fn(items[i] as T);
    if (isPromise(answer)) {
      return answer.then(async () => {
        for (let j = i + 1; j < items.length; j++) await fn(items[j] as T);
      });
    }
  }
  return undefined;
}
