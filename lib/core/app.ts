import { Construct, IConstruct } from 'constructs';
import { ErrorCode } from './errors';
import { constructError, errorHere } from './location';

const APP_BRAND = Symbol.for('hybrid.App');
const STACK_BRAND = Symbol.for('hybrid.Stack');
const APP_REGISTRY = Symbol.for('hybrid.AppRegistry');

/** Options for an App. */
export interface AppProps {
  /** A short description copied into every stack's blueprint. @default - none */
  readonly description?: string;
}

/**
 * The root of a hybrid program. `hybrid synth` loads the program and synthesizes every App it
 * created; the program does not need to call anything else.
 */
export class App extends Construct {
  /** True for any App, even one made by another copy of this library. */
  public static isApp(x: any): x is App {
    return typeof x === 'object' && x !== null && x[APP_BRAND] === true;
  }

  /** Apps created in this process, in creation order (the CLI synthesizes these). */
  public static created(): App[] {
    return [...registry()];
  }

  /** Forgets the apps created so far (tests that create several programs in one process). */
  public static resetCreated(): void {
    registry().length = 0;
  }

  public readonly description?: string;

  constructor(props: AppProps = {}) {
    super(undefined as any, '');
    this.description = props.description;
    registry().push(this);
  }

  /** The stacks of this app, in creation order. */
  public get stacks(): Stack[] {
    return this.node.children.filter((child): child is Stack => Stack.isStack(child));
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(App.prototype, APP_BRAND, { value: true });

function registry(): App[] {
  const holder = globalThis as any;
  if (!holder[APP_REGISTRY]) holder[APP_REGISTRY] = [];
  return holder[APP_REGISTRY];
}

/** Options for a Stack. */
export interface StackProps {
  /** What the stack is for; becomes the blueprint's description. @default - the app's description */
  readonly description?: string;
  /** Free metadata written into the blueprint's `metadata` section. @default - none */
  readonly metadata?: { [key: string]: string };
}

const STACK_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * One deployable unit: it becomes one blueprint and one deployment with its own state.
 * Its id is the stack name (lowercase letters, digits and hyphens).
 */
export class Stack extends Construct {
  /** True for any Stack, even one made by another copy of this library. */
  public static isStack(x: any): x is Stack {
    return typeof x === 'object' && x !== null && x[STACK_BRAND] === true;
  }

  /** The stack that contains a construct. */
  public static of(construct: IConstruct): Stack {
    for (const scope of construct.node.scopes.slice().reverse()) {
      if (Stack.isStack(scope)) return scope;
    }
    throw errorHere(ErrorCode.InvalidProps, `${construct.node.path || 'the construct'} is not inside a Stack: create it with a Stack (or one of its children) as scope`, { path: construct.node.path });
  }

  public readonly stackName: string;
  public readonly description?: string;
  public readonly metadata: { [key: string]: string };

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id);
    if (!STACK_NAME.test(id)) {
      throw constructError(
        ErrorCode.InvalidProps,
        this,
        `Stack id must be lowercase letters, digits and hyphens (starting with a letter, at most 63), got ${JSON.stringify(id)}`,
      );
    }
    this.stackName = id;
    this.description = props.description ?? (App.isApp(scope) ? scope.description : undefined);
    this.metadata = { ...(props.metadata ?? {}) };
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(Stack.prototype, STACK_BRAND, { value: true });
