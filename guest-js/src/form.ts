/**
 * Forms (docs/protocol.md: "Forms"): a framework-agnostic form state bound to a generated
 * function that takes a form. It holds the values, which fields were
 * touched, the errors by wire path, and whether a submit is running.
 * Optional client-side checks mirror the schema's rules (lengths, ranges,
 * patterns, email, URL, required) so most mistakes show before any IPC;
 * the server stays the judge: its `invalid_form` errors land on the same
 * paths (`name`, `address.zip`, `items[2].qty`).
 */
import { getDefaultClient, type MizanClient } from './client.js';
import { MizanError, type ErrorTyped } from './errors.js';

/** The kind of value a form field holds. */
export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'list' | 'value';

/** One rule of a field, as the IR carries it. */
export type FormRule =
  | { readonly rule: 'length'; readonly min?: number; readonly max?: number; readonly equal?: number }
  | {
      readonly rule: 'range';
      readonly min?: number;
      readonly max?: number;
      readonly exclusiveMin?: number;
      readonly exclusiveMax?: number;
    }
  | { readonly rule: 'pattern'; readonly pattern: string }
  | { readonly rule: 'email' }
  | { readonly rule: 'url' }
  | { readonly rule: 'required' }
  /** Checked by the server only; `code` is the code of its error. */
  | { readonly rule: 'server'; readonly code: string };

/** One field of a form schema. */
export interface FormFieldSchema {
  /** The wire name. */
  readonly name: string;
  readonly kind: FieldKind;
  /** Must be present (not an `Option`, no serde default). */
  readonly required: boolean;
  readonly rules: readonly FormRule[];
  /** A nested struct's fields (an `object`, or each item of a `list`). */
  readonly fields: readonly FormFieldSchema[];
}

/**
 * The form schema of a generated function: `A` is its args, `P` the param
 * that holds the form's values.
 */
export interface FormSchema<A = Record<string, unknown>, P extends keyof A & string = keyof A & string> {
  /** The function's wire name. */
  readonly fn: string;
  /** The param whose value the form edits. */
  readonly param: P;
  readonly fields: readonly FormFieldSchema[];
  /** Type-only: the args the schema belongs to. */
  readonly __args?: A;
}

/** One failed rule. */
export interface FormErrorItem {
  code: string;
  message: string;
}

/** The `details` of an `invalid_form` error. */
export interface FormErrorDetails {
  /** Field errors by wire path. */
  fields: Record<string, FormErrorItem[]>;
  /** Errors of the whole form. */
  form: FormErrorItem[];
}

/** Whether `error` is an `invalid_form` rejection (its details are the errors by path). */
export function isFormError(error: unknown): error is MizanError<FormErrorDetails> {
  return error instanceof MizanError && error.code === 'invalid_form';
}

/** A generated function that takes a form: it carries its schema as `form`. */
export type FormFunction<A, P extends keyof A & string, R, E = unknown> = ((
  args: A,
  client?: MizanClient,
) => Promise<R>) &
  ErrorTyped<E> & { form: FormSchema<A, P> };

/** What a form state holds at one moment. */
export interface FormSnapshot<V, R, E = unknown> {
  readonly values: V;
  /** Paths the user has left (`touch`), by wire path. */
  readonly touched: Readonly<Record<string, true>>;
  /** Field errors by wire path: the client checks', then the server's. */
  readonly errors: Readonly<Record<string, readonly FormErrorItem[]>>;
  /** Errors of the whole form (the server's `form`). */
  readonly formErrors: readonly FormErrorItem[];
  readonly submitting: boolean;
  /** How many submits were started. */
  readonly submitCount: number;
  /** The last successful submit's result. */
  readonly result: R | undefined;
  /** The last submit's failure other than `invalid_form` (`app`, `forbidden`, ...). */
  readonly error: MizanError<E> | undefined;
  /** No field or form error is known. */
  readonly valid: boolean;
}

export interface FormStateOptions<A, P extends keyof A & string> {
  /** The form's starting values. */
  initial: A[P];
  /** The function's other args, sent with every submit. */
  args?: Omit<A, P>;
  /** Check the schema's rules in the webview before sending (default `true`). */
  clientChecks?: boolean;
  /** The client to call through (default: the default client). */
  client?: MizanClient;
}

type Listener = () => void;

/**
 * The state of one form bound to a generated function.
 *
 * ```ts
 * const form = new FormState(createList, { initial: { name: '' } });
 * form.setValue('name', 'Groceries');
 * const list = await form.submit(); // undefined when a rule failed
 * form.getSnapshot().errors['name']; // the errors of `name`, if any
 * ```
 */
export class FormState<A, P extends keyof A & string, R, E = unknown> {
  private snapshot: FormSnapshot<A[P], R, E>;
  private readonly listeners = new Set<Listener>();
  private readonly initial: A[P];
  private serverErrors: Record<string, FormErrorItem[]> = {};
  private clientErrors: Record<string, FormErrorItem[]> = {};
  private generation = 0;

  constructor(
    readonly fn: FormFunction<A, P, R, E>,
    private options: FormStateOptions<A, P>,
  ) {
    this.initial = options.initial;
    this.snapshot = {
      values: options.initial,
      touched: {},
      errors: {},
      formErrors: [],
      submitting: false,
      submitCount: 0,
      result: undefined,
      error: undefined,
      valid: true,
    };
  }

  /** The form's schema. */
  get schema(): FormSchema<A, P> {
    return this.fn.form;
  }

  getSnapshot = (): FormSnapshot<A[P], R, E> => this.snapshot;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** The value at a wire path (`name`, `address.zip`, `items[2].qty`). */
  getValue(path: string): unknown {
    return getPath(this.snapshot.values, parsePath(path));
  }

  /**
   * Sets the value at a wire path. The server's errors of that path are
   * dropped (the value they judged is gone); with client checks, the
   * field is checked again once it was touched or a submit was tried.
   */
  setValue(path: string, value: unknown): void {
    const values = setPath(this.snapshot.values, parsePath(path), value) as A[P];
    dropPath(this.serverErrors, path);
    this.update({ values });
    if (this.checksOn() && (this.snapshot.touched[path] || this.snapshot.submitCount > 0)) {
      this.runClientChecks(false);
    }
  }

  /** Replaces the function's other args, sent with the next submit. */
  setArgs(args: Omit<A, P> | undefined): void {
    this.options = { ...this.options, args };
  }

  /** Replaces every value (errors are kept until the next check). */
  setValues(values: A[P]): void {
    this.update({ values });
  }

  /** Marks a path as left by the user: its client checks show from now on. */
  touch(path: string): void {
    if (this.snapshot.touched[path]) return;
    this.update({ touched: { ...this.snapshot.touched, [path]: true } });
    if (this.checksOn()) this.runClientChecks(false);
  }

  /** Runs the client checks on every field now; true when they all pass. */
  check(): boolean {
    return this.runClientChecks(true);
  }

  /**
   * Asks the server to check the values (`plugin:mizan|validate`), without
   * running the function. True when they pass; its errors land on their paths.
   */
  async validate(): Promise<boolean> {
    const generation = ++this.generation;
    try {
      await this.clientOf().validate(this.schema.fn, this.argsOf(this.snapshot.values) as Record<string, unknown>);
      if (generation === this.generation) this.setServerErrors({ fields: {}, form: [] });
      return true;
    } catch (reason) {
      const error = MizanError.from<E>(reason, this.schema.fn);
      if (generation !== this.generation) return false;
      if (isFormError(error)) {
        this.setServerErrors(error.details);
        return false;
      }
      this.update({ error });
      return false;
    }
  }

  /**
   * Submits: the client checks first (when on: a failing one sends
   * nothing), then a call of the function, which validates again on the
   * server. Resolves to the result, or `undefined` when the form was
   * refused (errors on their paths) or the call failed (`error`).
   */
  async submit(): Promise<R | undefined> {
    const generation = ++this.generation;
    this.update({ submitCount: this.snapshot.submitCount + 1, error: undefined });
    if (this.checksOn() && !this.runClientChecks(true)) return undefined;
    this.update({ submitting: true });
    try {
      const result = await this.fn(this.argsOf(this.snapshot.values), this.options.client);
      if (generation === this.generation) {
        this.serverErrors = {};
        this.update({ submitting: false, result, formErrors: [] });
      }
      return result;
    } catch (reason) {
      const error = MizanError.from<E>(reason, this.schema.fn);
      if (generation !== this.generation) return undefined;
      if (isFormError(error)) {
        this.setServerErrors(error.details);
        this.update({ submitting: false });
      } else {
        this.update({ submitting: false, error });
      }
      return undefined;
    }
  }

  /** Back to the starting values, with no errors and nothing touched. */
  reset(): void {
    this.generation++;
    this.serverErrors = {};
    this.clientErrors = {};
    this.update({
      values: this.initial,
      touched: {},
      formErrors: [],
      submitting: false,
      submitCount: 0,
      result: undefined,
      error: undefined,
    });
  }

  private checksOn(): boolean {
    return this.options.clientChecks !== false;
  }

  private clientOf(): MizanClient {
    return this.options.client ?? getDefaultClient();
  }

  private argsOf(values: A[P]): A {
    return { ...(this.options.args ?? {}), [this.schema.param]: values } as A;
  }

  /** Runs the client checks; `all` shows every field's errors, else only touched ones. */
  private runClientChecks(all: boolean): boolean {
    const found = checkForm(this.schema.fields, this.snapshot.values);
    const shown: Record<string, FormErrorItem[]> = {};
    for (const [path, list] of Object.entries(found)) {
      if (all || this.snapshot.touched[path] || this.snapshot.submitCount > 0) shown[path] = list;
    }
    this.clientErrors = shown;
    this.update({});
    return Object.keys(found).length === 0;
  }

  private setServerErrors(details: FormErrorDetails): void {
    this.serverErrors = { ...(details.fields ?? {}) };
    this.update({ formErrors: details.form ?? [] });
  }

  private update(patch: Partial<FormSnapshot<A[P], R, E>>): void {
    const next = { ...this.snapshot, ...patch };
    const errors: Record<string, FormErrorItem[]> = {};
    for (const [path, list] of Object.entries(this.clientErrors)) errors[path] = [...list];
    for (const [path, list] of Object.entries(this.serverErrors)) {
      const mine = errors[path] ?? [];
      for (const item of list) {
        if (!mine.some((m) => m.code === item.code)) mine.push(item);
      }
      errors[path] = mine;
    }
    next.errors = errors;
    next.valid = Object.keys(errors).length === 0 && next.formErrors.length === 0;
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }
}

/** Creates the state of a form bound to a generated function. See `FormState`. */
export function createForm<A, P extends keyof A & string, R, E = unknown>(
  fn: FormFunction<A, P, R, E>,
  options: FormStateOptions<A, P>,
): FormState<A, P, R, E> {
  return new FormState(fn, options);
}

// Paths ---------------------------------------------------------------------

/** `items[2].qty` as `['items', 2, 'qty']`. */
export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').match(/\d+/g) ?? []) out.push(Number(idx));
  }
  return out;
}

function getPath(value: unknown, path: Array<string | number>): unknown {
  let at: unknown = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

/** A copy of `value` with `path` set (objects and arrays on the way copied, never mutated). */
function setPath(value: unknown, path: Array<string | number>, leaf: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return leaf;
  const child = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
  const next = setPath(child, rest, leaf);
  if (typeof key === 'number') {
    const list = Array.isArray(value) ? [...(value as unknown[])] : [];
    list[key] = next;
    return list;
  }
  return { ...(value !== null && typeof value === 'object' ? (value as object) : {}), [key]: next };
}

/** Drops the errors of `path` and of the paths inside it. */
function dropPath(errors: Record<string, FormErrorItem[]>, path: string): void {
  for (const key of Object.keys(errors)) {
    if (key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) delete errors[key];
  }
}

// Client checks ------------------------------------------------------------------

/** The WHATWG email shape (what `<input type=email>` accepts). */
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const patterns = new Map<string, RegExp | null>();

/** A Rust pattern as a JavaScript `RegExp`, or null when JavaScript reads it otherwise. */
function regexOf(pattern: string): RegExp | null {
  if (!patterns.has(pattern)) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patterns.set(pattern, re);
  }
  return patterns.get(pattern) ?? null;
}

function lengthOf(value: unknown): { n: number; unit: string } | null {
  if (typeof value === 'string') return { n: [...value].length, unit: 'characters' };
  if (Array.isArray(value)) return { n: value.length, unit: 'items' };
  return null;
}

/** The same messages the server makes. */
function lengthMessage(rule: { min?: number; max?: number; equal?: number }, unit: string): string {
  if (rule.equal !== undefined) return `must be exactly ${rule.equal} ${unit}`;
  if (rule.min !== undefined && rule.max !== undefined) return `must be ${rule.min} to ${rule.max} ${unit}`;
  if (rule.min !== undefined) return `must be at least ${rule.min} ${unit}`;
  if (rule.max !== undefined) return `must be at most ${rule.max} ${unit}`;
  return 'has the wrong length';
}

function rangeMessage(rule: { min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number }): string {
  const low =
    rule.min !== undefined ? `at least ${rule.min}` : rule.exclusiveMin !== undefined ? `greater than ${rule.exclusiveMin}` : null;
  const high =
    rule.max !== undefined ? `at most ${rule.max}` : rule.exclusiveMax !== undefined ? `less than ${rule.exclusiveMax}` : null;
  if (low && high) return `must be ${low} and ${high}`;
  return low || high ? `must be ${low ?? high}` : 'is out of range';
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** The rules of one value that fail. */
function failures(rules: readonly FormRule[], value: unknown): FormErrorItem[] {
  const out: FormErrorItem[] = [];
  for (const rule of rules) {
    switch (rule.rule) {
      case 'length': {
        const len = lengthOf(value);
        if (!len) break;
        const bad =
          (rule.equal !== undefined && len.n !== rule.equal) ||
          (rule.min !== undefined && len.n < rule.min) ||
          (rule.max !== undefined && len.n > rule.max);
        if (bad) out.push({ code: 'length', message: lengthMessage(rule, len.unit) });
        break;
      }
      case 'range': {
        if (typeof value !== 'number') break;
        const bad =
          Number.isNaN(value) ||
          (rule.min !== undefined && value < rule.min) ||
          (rule.max !== undefined && value > rule.max) ||
          (rule.exclusiveMin !== undefined && value <= rule.exclusiveMin) ||
          (rule.exclusiveMax !== undefined && value >= rule.exclusiveMax);
        if (bad) out.push({ code: 'range', message: rangeMessage(rule) });
        break;
      }
      case 'pattern': {
        const re = regexOf(rule.pattern);
        if (re && typeof value === 'string' && !re.test(value)) {
          out.push({ code: 'regex', message: 'has the wrong format' });
        }
        break;
      }
      case 'email':
        if (typeof value === 'string' && !EMAIL.test(value)) {
          out.push({ code: 'email', message: 'must be an email address' });
        }
        break;
      case 'url':
        if (typeof value === 'string' && !isUrl(value)) out.push({ code: 'url', message: 'must be a URL' });
        break;
      case 'required':
      case 'server':
        break;
    }
  }
  return out;
}

/**
 * The schema's rules checked against `values` in the webview: the errors
 * by wire path. Rules only the server checks are skipped; a value left
 * out of an optional field is not checked.
 */
export function checkForm(fields: readonly FormFieldSchema[], values: unknown): Record<string, FormErrorItem[]> {
  const out: Record<string, FormErrorItem[]> = {};
  walk(fields, values, '', out);
  return out;
}

function walk(fields: readonly FormFieldSchema[], values: unknown, prefix: string, out: Record<string, FormErrorItem[]>): void {
  const object = values !== null && typeof values === 'object' ? (values as Record<string, unknown>) : {};
  for (const field of fields) {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    const value = object[field.name];
    if (value === undefined || value === null) {
      if (field.required || field.rules.some((r) => r.rule === 'required')) {
        out[path] = [{ code: 'required', message: 'is required' }];
      }
      continue;
    }
    const failed = failures(field.rules, value);
    if (failed.length > 0) out[path] = failed;
    if (field.fields.length === 0) continue;
    if (field.kind === 'list' && Array.isArray(value)) {
      value.forEach((item, i) => walk(field.fields, item, `${path}[${i}]`, out));
    } else if (field.kind === 'object') {
      walk(field.fields, value, path, out);
    }
  }
}
