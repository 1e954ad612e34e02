// A frontend's view of the Rooms API: a typed openapi-fetch client over the types
// openapi-typescript generates from openapi.yaml (./rooms-api.ts, made by the test).
// It must compile under `tsc --strict` with no cast: every read below is checked
// against the spec's types. Run with the API's base URL; prints one JSON line per step.
import createClient from "openapi-fetch";
import type { components, paths } from "./rooms-api.js";

type Room = components["schemas"]["Room"];
type RoomDetail = components["schemas"]["RoomDetail"];
type Problem = components["schemas"]["Problem"];
type Violation = components["schemas"]["Violation"];

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error("usage: node client.mjs BASE_URL");
const api = createClient<paths>({ baseUrl });

function print(step: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ step, ...fields }));
}

function ok<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${step}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function problem(step: string, result: { error?: Problem; response: Response }): Problem {
  if (result.error === undefined) throw new Error(`${step}: expected a problem, got none`);
  const { status, title, detail } = result.error; // typed: no cast
  print(step, { http: result.response.status, status, title, detail });
  return result.error;
}

/** What a room shows, read the way its `status` allows: `ended_at` only once narrowed. */
function describe(room: Room | RoomDetail): Record<string, unknown> {
  if (room.status === "ended") {
    const endedAt: string = room.ended_at; // exists on every ended room
    return { id: room.id, status: room.status, ended_at: endedAt };
  }
  const active: "active" = room.status;
  return { id: room.id, status: active, has_ended_at: "ended_at" in room };
}

async function main(): Promise<void> {
  const created = await api.POST("/rooms", {
    body: { name: "CS101 Lecture", config: { max_participants: 100, recording_enabled: true } },
  });
  const room = ok("create", created);
  const location = created.response.headers.get("location");
  const http = created.response.status;
  print("create", { http, location, ...describe(room), config: room.config });

  const page = ok("list", await api.GET("/rooms", { params: { query: { limit: 10 } } }));
  const counts: number[] = page.rooms.map((listed) => listed.participant_count); // required in List
  print("list", { total: page.total, limit: page.limit, offset: page.offset, counts });

  const path = { params: { path: { id: room.id } } };
  const got: RoomDetail = ok("get", await api.GET("/rooms/{id}", path));
  const count: number = got.participant_count; // required in Get
  print("get", { ...describe(got), participant_count: count, name: got.name });

  const change = { name: "CS101 Lecture - Updated", config: { max_participants: 150 } };
  const updated = ok("update", await api.PATCH("/rooms/{id}", { ...path, body: change }));
  print("update", { name: updated.name, config: updated.config });

  const ended = ok("end", await api.POST("/rooms/{id}/end", path));
  const endedAt: string = ended.ended_at; // the end response is always an EndedRoom
  print("end", { status: ended.status, ended_at: endedAt });

  const after = ok("get-ended", await api.GET("/rooms/{id}", path));
  if (after.status !== "ended") throw new Error("get-ended: the room is not ended");
  const { status, ended_at, participant_count } = after; // narrowed: ended_at is a string
  print("get-ended", { status, ended_at, participant_count });

  problem("end-again", await api.POST("/rooms/{id}/end", path));
  problem("update-ended", await api.PATCH("/rooms/{id}", { ...path, body: { name: "late" } }));

  const removed = await api.DELETE("/rooms/{id}", path);
  print("delete", { http: removed.response.status, body: await removed.response.text() });
  problem("get-deleted", await api.GET("/rooms/{id}", path));

  // Well typed, yet out of range: the types carry no bounds, the server's 400 lists both.
  const bad = await api.POST("/rooms", { body: { name: "", config: { max_participants: 0 } } });
  const violations: Violation[] = problem("create-invalid", bad).errors ?? [];
  const errors = violations.map(({ in: where, pointer }) => ({ in: where, pointer }));
  print("create-invalid-errors", { errors });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
