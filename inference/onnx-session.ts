import ort from 'onnxruntime-node';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  provider: ExecutionProvider;
  /** Threads of the CPU provider's intra-op pool; 0 = onnxruntime's default (all cores). */
  intraOpThreads?: number;
  /** Told once when CUDA was asked for but is not usable here. */
  onFallback?: (message: string) => void;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
}

/**
 * One session per model per worker process: creating a session (graph optimisation, CUDA context)
 * costs far more than a batch, so sessions are cached by the model's content key.
 */
const sessions = new Map<string, Promise<LoadedSession>>();

export function loadSession(cacheKey: string, model: () => Promise<Uint8Array>, options: SessionOptions): Promise<LoadedSession> {
  const key = `${options.provider}:${cacheKey}`;
  let loading = sessions.get(key);
  if (!loading) {
    loading = createSession(model, options);
    sessions.set(key, loading);
    // A failed load must not poison the cache for the next attempt.
    loading.catch(() => sessions.delete(key));
  }
  return loading;
}

async function createSession(model: () => Promise<Uint8Array>, options: SessionOptions): Promise<LoadedSession> {
  const bytes = await model();
  const common: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  if (options.provider === 'cuda') {
    try {
      return { session: await ort.InferenceSession.create(bytes, { ...common, executionProviders: ['cuda'] }), provider: 'cuda' };
    } catch (error) {
      options.onFallback?.(`CUDA execution provider unavailable (${(error as Error).message.split('\n')[0]}); running on CPU`);
    }
  }
  return { session: await ort.InferenceSession.create(bytes, { ...common, executionProviders: ['cpu'] }), provider: 'cpu' };
}

/** Drops every cached session (tests, and a worker that must free GPU memory). */
export async function releaseSessions(): Promise<void> {
  const loaded = await Promise.allSettled(sessions.values());
  sessions.clear();
  for (const result of loaded) if (result.status === 'fulfilled') await result.value.session.release();
}
