import type { ValidationError } from 'class-validator';

/**
 * Constraints that say what a value must be. When one of them fails, the property's other
 * constraints (sizes, ranges) have nothing to say about it: "faces must be an array" alone, not
 * beside "faces must contain at least 1 elements" for a body that has no `faces` at all.
 */
const KIND_CONSTRAINTS = new Set(['isArray', 'isString', 'isObject', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'isEnum', 'isDefined']);

/** One message per failed constraint, with the property's path in the body, as an error's details. */
export function validationMessages(errors: readonly ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    const kind = constraints.filter(([name]) => KIND_CONSTRAINTS.has(name));
    if (error.value === undefined && constraints.length > 0) return [`${path} is required`];
    // A value of the wrong kind has no children worth reporting ("each value in nested property ...").
    if (kind.length > 0) return kind.map(([, message]) => message.replace(error.property, path));
    return [...constraints.map(([, message]) => message.replace(error.property, path)), ...validationMessages(error.children ?? [], path)];
  });
}
