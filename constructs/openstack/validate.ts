/**
 * What the OpenStack constructs check beyond lib/core/validate: errors name the construct path,
 * the program line, the value and what is expected.
 */
import { IConstruct } from 'constructs';
import { HybridError } from '../../lib/core/errors';
import { EntryRule, failOf } from '../../lib/core/validate';

export function fail(scope: IConstruct, message: string): HybridError {
  return failOf(scope)(message);
}

/** Nova and Cinder metadata keys: at most 255 characters. */
export const METADATA_KEYS: EntryRule = (key) => (key.length > 255 ? `keys must be 1 to 255 characters, got ${JSON.stringify(key)}` : undefined);
