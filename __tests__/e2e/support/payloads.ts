// Event payloads shaped like the ones GitHub writes to GITHUB_EVENT_PATH (the webhook payload of
// the triggering event). What the tests import; the parts are in payloads/: common.ts (default
// repository and commits, ids, the repository/user/organization objects every event shares) and
// events.ts (one payload builder per event, and the default payload of an event).
export {
  DEFAULT_ACTOR,
  DEFAULT_BEFORE_SHA,
  DEFAULT_MERGE_SHA,
  DEFAULT_PR_HEAD_SHA,
  DEFAULT_REPOSITORY,
  DEFAULT_SHA,
  fakeId,
  repositoryObject,
  type RepositoryOptions
} from './payloads/common.js'
export {
  defaultPayload,
  pullRequestPayload,
  pushPayload,
  releasePayload,
  schedulePayload,
  workflowDispatchPayload,
  workflowRunPayload,
  type PullRequestOptions,
  type PushOptions,
  type ReleaseOptions,
  type ScheduleOptions,
  type WorkflowDispatchOptions,
  type WorkflowRunOptions
} from './payloads/events.js'
