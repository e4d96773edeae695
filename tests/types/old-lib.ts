// A project whose `lib` predates ES2022 (no `Error.prototype.cause` there) still reads an
// error's `cause`: index.d.ts declares it on UpgradeTaskError itself.
import { queryUpgradeTask, UpgradeTaskError } from "iot-upgrade-task";

export async function why(signal: AbortSignal): Promise<unknown> {
  try {
    await queryUpgradeTask("op-1", "token", { baseUrl: "https://iot.example.com", appKey: "app", signal });
    return null;
  } catch (error) {
    return error instanceof UpgradeTaskError && error.kind === "aborted" ? error.cause : error;
  }
}
