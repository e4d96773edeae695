// A browser app's code under moduleResolution "bundler" (type-checked only).
import { UpgradeTaskError } from "iot-upgrade-task";
import { advice, roundTrip, type Settings } from "./usage.js";

export async function render(target: HTMLElement, settings: Settings, taskId: string): Promise<void> {
  const result = await roundTrip(settings, taskId, "no-such-task");
  target.textContent = result.task
    ? `${result.task.operationId}: ${result.task.status} (${result.task.progress})`
    : `failed: ${result.taskFailure?.kind ?? "unknown"} (${result.taskFailure ? advice(result.taskFailure.kind) : ""})`;
}

export function isPackageError(value: unknown): value is UpgradeTaskError {
  return value instanceof UpgradeTaskError;
}
