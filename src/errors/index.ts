export { ConfigError, type ConfigIssue } from './config-error.js';
export { UsageError } from './usage-error.js';
export { RefusalError } from './refusal-error.js';
export { StoreError } from './store-error.js';
