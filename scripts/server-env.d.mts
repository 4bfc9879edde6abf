export declare const MALLOC_DEFAULTS: Record<string, string>;
export declare function serverEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
