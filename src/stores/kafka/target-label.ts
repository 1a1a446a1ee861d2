/** A Kafka target's name in results, logs and the audit trail: the topic, or `match:REGEX`. */
export function targetLabel(target: { topic?: string | undefined; match?: string | undefined }): string {
  return target.topic ?? `match:${target.match ?? ''}`;
}
