// Must NOT compile: an active room (status narrowed to "active") has no `ended_at`.
import type { components } from "../rooms-api.js";

export function endedAtOfActive(room: components["schemas"]["RoomDetail"]): string {
  if (room.status === "active") {
    return room.ended_at; // EXPECT TS2339
  }
  return room.ended_at;
}
