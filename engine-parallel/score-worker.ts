/** A worker thread of the score pool: decodes and scores one image per message, reusing one workspace. */
import { parentPort } from 'node:worker_threads';
import { InputError } from '../common/errors.js';
import { ScoringWorkspace, scoreImage, type ImageScores } from '../engine/score-image.js';
import type { ScoreReply, ScoreRequest } from './protocol.js';
import { decodeRequest } from './task-inputs.js';

const port = parentPort;
if (port === null) throw new Error('score-worker.ts must run in a worker thread');
const workspace = new ScoringWorkspace();

function scoresBuffers(scores: ImageScores): ArrayBuffer[] {
  const arrays = [scores.superpixelIds, scores.pixels, scores.expansion, scores.dominant, scores.representative, scores.label,
    scores.pixelScore, scores.cil, scores.sim, scores.classTerms, scores.labelCounts];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

async function reply(request: ScoreRequest): Promise<{ reply: ScoreReply; transfer: ArrayBuffer[] }> {
  try {
    const input = await decodeRequest(request, (count) => workspace.softLabelsArea(count));
    const scores = scoreImage(input, { mode: request.mode, tau: request.tau, image: request.image }, workspace);
    return { reply: { job: request.job, scores }, transfer: scoresBuffers(scores) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reply: { job: request.job, error: { input: error instanceof InputError, message } }, transfer: [] };
  }
}

// The pool sends a worker its next request only after the reply to the previous one.
port.on('message', (request: ScoreRequest) => {
  void reply(request).then(({ reply, transfer }) => port.postMessage(reply, transfer));
});
