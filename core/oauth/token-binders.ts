/**
 * Runs the enabled TokenBinders (sender constraints such as RFC 9449 DPoP) for a token request:
 * each proves what the request carries, before any grant logic runs. What they prove is merged into
 * one confirmation; two binders claiming the same `cnf` member with different values fail closed.
 */
import type { TokenBindingContext } from '../api/extension-points.ts';
import type { Confirmation } from '../api/model.ts';
import { ServerError } from '../errors/oauth-errors.ts';
import { hookFailure, isPlainObject } from '../plugins/hook-failure.ts';
import type { Logger } from '../api/plugin-context.ts';
import type { ExtensionSet } from '../plugins/extension-set.ts';

const FAILED = 'the token request could not be checked';

export interface ProvedBindings {
  readonly proofs: Confirmation;
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** Names of the binders that proved something, for logs. */
  readonly binders: readonly string[];
}

/** What running the binders uses: the enabled binders, and the log their failures go to. */
export interface TokenBinderDependencies {
  readonly extensions: ExtensionSet;
  readonly logger: Logger;
}

export async function runTokenBinders(runtime: TokenBinderDependencies, ctx: TokenBindingContext): Promise<ProvedBindings> {
  const proofs: Record<string, string> = {};
  const responseHeaders: Record<string, string> = {};
  const binders: string[] = [];
  for (const { name, instance } of runtime.extensions.tokenBinders) {
    let binding;
    try {
      binding = await instance.bind(ctx);
    } catch (err) {
      throw hookFailure(runtime.logger, 'TokenBinder', name, err, FAILED);
    }
    if (binding === null || binding === undefined) continue;
    if (!isPlainObject(binding) || !isPlainObject(binding.confirmation)) {
      throw hookFailure(runtime.logger, 'TokenBinder', name, new TypeError('bind() did not return a binding'), FAILED);
    }
    for (const [member, value] of Object.entries(binding.confirmation)) {
      // A binder proves only what it declares; anything else would bypass that member's own verifier.
      if (typeof value !== 'string' || !instance.confirmationMethods.includes(member)) {
        throw hookFailure(runtime.logger, 'TokenBinder', name, new TypeError(`bind() returned cnf member "${member}" it does not declare`), FAILED);
      }
      if (proofs[member] !== undefined && proofs[member] !== value) {
        runtime.logger.error({ binders: [...binders, name], member }, 'token binders disagree on a cnf member');
        throw new ServerError(FAILED, `token binders disagree on cnf ${member}`);
      }
      proofs[member] = value;
    }
    Object.assign(responseHeaders, binding.responseHeaders ?? {});
    binders.push(name);
  }
  // Frozen: the grant chain sees `proofs` but must not change what was proved (refresh and invariants read it).
  return { proofs: Object.freeze(proofs), responseHeaders, binders };
}
