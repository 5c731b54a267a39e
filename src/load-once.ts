/**
 * A module (or anything else) loaded the first time it is asked for, and the same promise after that: the
 * SDKs of the services a business may never connect (Xero, Stripe, Anthropic) cost every process memory and
 * start-up time otherwise.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    return loading;
  };
}
