/** What a test gets from code that must throw a HybridError. */
import { HybridError } from '../../lib/core/errors';

/** The HybridError `action` throws; anything else it throws is rethrown, and not throwing fails. */
export function errorOf(action: () => unknown): HybridError {
  try {
    action();
  } catch (error) {
    if (HybridError.isHybridError(error)) return error;
    throw error;
  }
  throw new Error('expected a HybridError');
}

/** The message of the InvalidProps error `action` throws; another error is rethrown. */
export function invalidPropsMessage(action: () => unknown): string {
  const error = errorOf(action);
  if (error.code !== 'InvalidProps') throw error;
  return error.message;
}
