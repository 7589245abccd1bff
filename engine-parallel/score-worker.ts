/** A worker thread of the score pool: scores one image per message, reusing one workspace. */
import { parentPort } from 'node:worker_threads';
import { decodeSoftLabels } from '../engine/npy.js';
import { ScoringWorkspace, scoreImage, type ImageScores } from '../engine/score-image.js';
import type { ScoreReply, ScoreRequest } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('score-worker.ts must run in a worker thread');
const workspace = new ScoringWorkspace();

function scoresBuffers(scores: ImageScores): ArrayBuffer[] {
  const arrays = [scores.superpixelIds, scores.pixels, scores.expansion, scores.dominant, scores.representative, scores.label,
    scores.pixelScore, scores.cil, scores.sim, scores.classTerms, scores.labelCounts];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

port.on('message', (request: ScoreRequest) => {
  let reply: ScoreReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const source = request.softLabels;
    const soft = 'npy' in source ? decodeSoftLabels(source.npy, source.file) : source;
    const scores = scoreImage(
      { classes: soft.classes, height: soft.height, width: soft.width, softLabels: soft.data, labels: request.labels, superpixels: request.superpixels },
      { mode: request.mode, tau: request.tau, image: request.image },
      workspace,
    );
    reply = { job: request.job, scores };
    transfer = scoresBuffers(scores);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    reply = { job: request.job, error: { name, message } };
  }
  port.postMessage(reply, transfer);
});
