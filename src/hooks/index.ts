export { HOOK_NAMES, hookEnv, type HookContext, type HookName } from './env.js';
export { runHook, type HookResult, type HookSettings } from './run-hook.js';
export { HookError, LifecycleHooks, type LifecycleHookOptions } from './lifecycle.js';
