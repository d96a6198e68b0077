/**
 * CloudFormation intrinsic functions, resolved the way CloudFormation resolves them, against the
 * values of a local deployment.
 */

/** Marks a value removed by `Ref: AWS::NoValue` (dropped from its object or list). */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface PseudoParameters {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly urlSuffix: string;
}

export interface IntrinsicContext {
  readonly pseudo: PseudoParameters;
  /** The value of `Ref` to a resource or parameter; throws if the logical id is unknown. */
  ref(logicalId: string): unknown;
  /** The value of `Fn::GetAtt`; throws naming the logical id and attribute if unknown. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** The value of a named condition. */
  condition(name: string): boolean;
}

type Json = unknown;

const PSEUDO_REFS: Record<string, (p: PseudoParameters) => unknown> = {
  'AWS::Region': (p) => p.region,
  'AWS::AccountId': (p) => p.accountId,
  'AWS::Partition': (p) => p.partition,
  'AWS::StackName': (p) => p.stackName,
  'AWS::StackId': (p) => p.stackId,
  'AWS::URLSuffix': (p) => p.urlSuffix,
  'AWS::NoValue': () => NO_VALUE,
  'AWS::NotificationARNs': () => [],
};

export function isPseudoParameter(name: string): boolean {
  return name in PSEUDO_REFS;
}

/** Resolves every intrinsic in `value`; values removed by AWS::NoValue are dropped. */
export function resolveIntrinsics(value: Json, context: IntrinsicContext): Json {
  if (Array.isArray(value)) {
    return value.map((item) => resolveIntrinsics(item, context)).filter((item) => item !== NO_VALUE);
  }
  if (!isObject(value)) {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && isIntrinsic(keys[0])) {
    return resolveFunction(keys[0], value[keys[0]], context);
  }
  const resolved: Record<string, Json> = {};
  for (const key of keys) {
    const item = resolveIntrinsics(value[key], context);
    if (item !== NO_VALUE) {
      resolved[key] = item;
    }
  }
  return resolved;
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

function resolveFunction(name: string, argument: Json, context: IntrinsicContext): Json {
  const resolve = (v: Json): Json => resolveIntrinsics(v, context);
  switch (name) {
    case 'Ref': {
      const target = expectString(argument, 'Ref');
      const pseudo = PSEUDO_REFS[target];
      return pseudo ? pseudo(context.pseudo) : context.ref(target);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArguments(resolve(argument));
      return context.getAtt(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [delimiter, items] = expectArray(argument, 'Fn::Join', 2);
      const list = resolve(items);
      if (!Array.isArray(list)) {
        throw new Error(`Fn::Join expects a list of values, got ${JSON.stringify(list)}`);
      }
      return list.map((item) => scalar(item, 'Fn::Join')).join(expectString(resolve(delimiter), 'Fn::Join delimiter'));
    }
    case 'Fn::Sub':
      return substitute(argument, context);
    case 'Fn::Select': {
      const [index, items] = expectArray(argument, 'Fn::Select', 2);
      const list = resolve(items);
      const position = Number(resolve(index));
      if (!Array.isArray(list) || !Number.isInteger(position) || position < 0 || position >= list.length) {
        throw new Error(`Fn::Select index ${String(position)} is out of range of ${JSON.stringify(list)}`);
      }
      return list[position];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(argument, 'Fn::Split', 2);
      return expectString(resolve(source), 'Fn::Split source').split(expectString(resolve(delimiter), 'Fn::Split delimiter'));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(argument, 'Fn::If', 3);
      return resolve(context.condition(expectString(condition, 'Fn::If condition')) ? whenTrue : whenFalse);
    }
    case 'Fn::Equals': {
      const [left, right] = expectArray(argument, 'Fn::Equals', 2);
      return JSON.stringify(resolve(left)) === JSON.stringify(resolve(right));
    }
    case 'Fn::Not': {
      const [operand] = expectArray(argument, 'Fn::Not', 1);
      return !toBoolean(resolve(operand), 'Fn::Not');
    }
    case 'Fn::And':
      return expectArray(argument, 'Fn::And').every((operand) => toBoolean(resolve(operand), 'Fn::And'));
    case 'Fn::Or':
      return expectArray(argument, 'Fn::Or').some((operand) => toBoolean(resolve(operand), 'Fn::Or'));
    case 'Condition':
      return context.condition(expectString(argument, 'Condition'));
    case 'Fn::Base64':
      return Buffer.from(expectString(resolve(argument), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${context.pseudo.region}${zone}`);
    default:
      throw new Error(`the local cloud does not support the intrinsic function ${name}`);
  }
}

/** `Fn::Sub`: `${Name}`, `${Name.Attribute}`, `${AWS::Region}`, `${!Literal}`, with or without a variable map. */
function substitute(argument: Json, context: IntrinsicContext): string {
  const [template, variables] = Array.isArray(argument)
    ? (expectArray(argument, 'Fn::Sub', 2) as [Json, Json])
    : [argument, {}];
  const text = expectString(template, 'Fn::Sub');
  const resolvedVariables = resolveIntrinsics(variables, context);
  const vars = isObject(resolvedVariables) ? resolvedVariables : {};
  return text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) {
      return `\${${expression.slice(1)}}`;
    }
    const name = expression.trim();
    if (name in vars) {
      return scalar(vars[name], `Fn::Sub variable ${name}`);
    }
    const pseudo = PSEUDO_REFS[name];
    if (pseudo) {
      return scalar(pseudo(context.pseudo), `Fn::Sub ${name}`);
    }
    const dot = name.indexOf('.');
    const value = dot > 0 ? context.getAtt(name.slice(0, dot), name.slice(dot + 1)) : context.ref(name);
    return scalar(value, `Fn::Sub \${${name}}`);
  });
}

/**
 * The logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub variables), pseudo parameters
 * excluded: the edges of the dependency graph.
 */
export function referencedLogicalIds(value: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedLogicalIds(item, found));
  } else if (isObject(value)) {
    for (const [key, argument] of Object.entries(value)) {
      if (key === 'Ref' && typeof argument === 'string') {
        if (!isPseudoParameter(argument)) {
          found.add(argument);
        }
      } else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(argument) ? argument[0] : typeof argument === 'string' ? argument.split('.')[0] : undefined;
        if (typeof target === 'string') {
          found.add(target);
        }
        referencedLogicalIds(argument, found);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const local = isObject(variables) ? Object.keys(variables) : [];
        for (const match of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = match[1].trim().split('.')[0];
          if (!isPseudoParameter(match[1].trim()) && !local.includes(match[1].trim())) {
            found.add(name);
          }
        }
        referencedLogicalIds(variables, found);
      } else {
        referencedLogicalIds(argument, found);
      }
    }
  }
  return found;
}

function getAttArguments(argument: Json): [string, string] {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot > 0) {
      return [argument.slice(0, dot), argument.slice(dot + 1)];
    }
  }
  if (Array.isArray(argument) && argument.length === 2 && argument.every((a) => typeof a === 'string')) {
    return [argument[0] as string, argument[1] as string];
  }
  throw new Error(`Fn::GetAtt expects [logicalId, attribute], got ${JSON.stringify(argument)}`);
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectString(value: Json, where: string): string {
  if (typeof value !== 'string') {
    throw new Error(`${where} expects a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectArray(value: Json, where: string, length?: number): Json[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw new Error(`${where} expects a list${length ? ` of ${length}` : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function scalar(value: Json, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new Error(`${where} expects a string, got ${JSON.stringify(value)}`);
}

function toBoolean(value: Json, where: string): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new Error(`${where} expects a condition, got ${JSON.stringify(value)}`);
}
