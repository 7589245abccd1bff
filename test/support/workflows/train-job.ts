// A one-activity workflow for the train activity's integration tests: the campaign workflows are
// not what is under test there, the activity's retry, resume and failure behaviour is.
import { proxyActivities } from '@temporalio/workflow';
import type { TrainSegmentationInput, TrainSegmentationResult } from '../../../activities/train/train-segmentation.js';

interface TrainActivities {
  trainSegmentationModel(input: TrainSegmentationInput): Promise<TrainSegmentationResult>;
}

export async function trainJobWorkflow(input: TrainSegmentationInput, taskQueue: string, heartbeatSeconds: number): Promise<TrainSegmentationResult> {
  const { trainSegmentationModel } = proxyActivities<TrainActivities>({
    taskQueue,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    retry: { maximumAttempts: 3, initialInterval: '1 second' },
  });
  return trainSegmentationModel(input);
}
