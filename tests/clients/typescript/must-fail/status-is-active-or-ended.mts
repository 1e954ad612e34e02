// Must NOT compile: a room's `status` is "active" or "ended", never a schema's name.
import type { components } from "../rooms-api.js";

export const detail: components["schemas"]["RoomDetail"]["status"] = "RoomDetail"; // EXPECT TS2322
