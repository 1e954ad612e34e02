// The two Node.js globals client.mts uses, so the test needs no @types/node.
declare const process: { argv: string[]; exitCode: number | undefined };
