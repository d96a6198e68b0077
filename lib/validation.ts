import { Token } from 'aws-cdk-lib';

export interface RangeOptions {
  /**
   * Whether the value must be a whole number.
   * @default true
   */
  readonly integer?: boolean;
}

/**
 * Fails synthesis with a message in prop terms (name, range allowed, value given) when a construct
 * prop is out of range. Unresolved tokens are not checked: their value is only known at deploy time.
 */
export function validateRange(name: string, value: number, min: number, max: number, options: RangeOptions = {}): void {
  if (Token.isUnresolved(value)) return;
  const integer = options.integer ?? true;
  if ((integer && !Number.isInteger(value)) || !(value >= min && value <= max)) {
    throw new Error(`${name} must be ${integer ? 'an integer ' : ''}between ${min} and ${max}, but ${value} was provided`);
  }
}
