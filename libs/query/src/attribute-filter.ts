import { FaceshardError, type AttributeFilter, type Attributes } from '@faceshard/contracts';

type Scalar = string | number | boolean;

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Every key must match: equal to the filter's value, or to one of them when it is an array. */
export function matchesFilter(attributes: Attributes | undefined, filter: AttributeFilter): boolean {
  for (const [key, wanted] of Object.entries(filter)) {
    const actual = attributes?.[key];
    if (!isScalar(actual)) return false;
    if (Array.isArray(wanted) ? !wanted.includes(actual) : wanted !== actual) return false;
  }
  return true;
}

/** The filter as a client sent it, checked once at the edge: an object of scalars or arrays of scalars. */
export function readAttributeFilter(value: unknown): AttributeFilter | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new FaceshardError('VALIDATION_FAILED', 'filter must be an object of attribute values');
  for (const [key, wanted] of Object.entries(value)) {
    const ok = isScalar(wanted) || (Array.isArray(wanted) && wanted.length > 0 && wanted.every(isScalar));
    if (!ok) throw new FaceshardError('VALIDATION_FAILED', `filter.${key} must be a string, number, boolean or a non-empty array of them`);
  }
  const filter = value as AttributeFilter;
  return Object.keys(filter).length === 0 ? undefined : filter;
}
