// A small Fedify server, the "peer" that federation_tests/test_fedify_interop.py points at
// ionode: third-party ActivityPub software from npm, not written here. See README.md.
//
//   node peer.mjs --port P [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                 [--log-file PATH] [--log-level debug|info|warning]
//
// Serves http://127.0.0.1:P: one Person `tester` (RSA + Ed25519 keys generated at start),
// its inbox and the shared inbox (Fedify verifies HTTP signatures and object proofs
// before any listener runs), followers/outbox collections, NodeInfo, and plain-JSON
// control endpoints under /_control/ that drive Fedify and report what it saw.

import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
  verifyObject,
  verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Event,
  Follow,
  isActor,
  Person,
  Place,
  PUBLIC_COLLECTION,
  Undo,
  Update,
} from "@fedify/fedify/vocab";
import { Temporal } from "@js-temporal/polyfill"; // Fedify's own (its vocab's times)
import { configure, getLogger, getTextFormatter, withFilter } from "@logtape/logtape";

// Fedify 2.x declares Node >= 22. The one thing it uses that Node 20 lacks is the global
// `navigator` (Node >= 21): importJwk() reads `navigator?.userAgent` for Ed25519 keys,
// a ReferenceError on Node 20. Provide what Node 21+ provides.
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: `Node.js/${process.versions.node.split(".")[0]}` };
}

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    "first-knock": { type: "string", default: "rfc9421" },
    "log-file": { type: "string" },
    "log-level": { type: "string", default: "debug" },
    // --no-ed25519: RSA only, so Fedify sends no FEP-8b32 object proofs (diagnostics)
    "no-ed25519": { type: "boolean", default: false },
  },
});
const KNOCKS = { "rfc9421": "rfc9421", "draft-cavage": "draft-cavage-http-signatures-12",
  "draft-cavage-http-signatures-12": "draft-cavage-http-signatures-12" };
const firstKnock = KNOCKS[args["first-knock"]];
const port = Number(args.port);
if (!firstKnock || !Number.isInteger(port) || port <= 0) {
  process.stderr.write("usage: node peer.mjs --port P --first-knock " +
    "rfc9421|draft-cavage-http-signatures-12 [--log-file PATH]\n");
  process.exit(2);
}
const ORIGIN = `http://127.0.0.1:${port}`;
const USER = "tester";

// Logging: everything at --log-level into --log-file, warning+ also on stderr.
const format = getTextFormatter();
const stderrSink = (record) => process.stderr.write(format(record));
const sinks = { stderr: withFilter(stderrSink, "warning") };
const logFile = args["log-file"];
if (logFile) sinks.file = (record) => appendFileSync(logFile, format(record));
const lowestLevel = logFile ? args["log-level"] : "warning";
const loggers = [
  { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  { category: "fedify", lowestLevel, sinks: Object.keys(sinks) },
  { category: "peer", lowestLevel, sinks: Object.keys(sinks) },
];
await configure({ sinks, loggers, contextLocalStorage: new AsyncLocalStorage() });
const log = getLogger(["peer"]);

// What the peer saw, for the test to read through /_control/.
const received = []; // activities that reached an inbox listener (i.e. Fedify verified them)
const deliveries = []; // every POST to an inbox: signature scheme, independent checks, status
const outgoing = []; // every HTTP request Fedify made: method, url, signature scheme, status
const errors = []; // inbox listener errors, outbox (delivery) errors, unverified activities

// Record every request Fedify sends (it calls the global fetch), so the test can see
// which signature scheme reached ionode first and whether it was accepted.
//
// One rewrite: Fedify always asks https://HOST/.well-known/webfinger for an acct: URI
// (@fedify/webfinger lookupWebFinger hard-codes "https:"), and nothing on loopback speaks
// TLS, so WebFinger requests to a loopback https URL go to http instead, as a TLS
// terminator in front of ionode would. Everything else is sent untouched.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  let request = input instanceof Request ? input : null;
  const headers = new Headers(init?.headers ?? request?.headers ?? {});
  const entry = {
    method: (init?.method ?? request?.method ?? "GET").toUpperCase(),
    url: String(request ? request.url : input),
    scheme: signatureScheme(headers),
    status: null,
  };
  const target = new URL(entry.url);
  if (target.protocol === "https:" && target.pathname === "/.well-known/webfinger" &&
      ["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    target.protocol = "http:";
    entry.rewrittenFrom = entry.url;
    entry.url = target.href;
    if (request) request = new Request(target, request);
    else input = target;
  }
  outgoing.push(entry);
  if (request) input = request;
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    return response;
  } catch (error) {
    entry.error = String(error);
    throw error;
  }
};

function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage-http-signatures-12";
  return null;
}

// RSA-2048 like Mastodon's keys: generateCryptoKeyPair("RSASSA-PKCS1-v1_5") makes a
// 4096-bit key, which takes 3-12 s to generate on a busy CI machine.
const rsa = await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
const ed25519 = await generateCryptoKeyPair("Ed25519");
// With an Ed25519 key Fedify adds an eddsa-jcs-2022 proof to what it sends (and, with the
// RSA key, a Linked Data Signature over the proofed document).
const keyPairs = args["no-ed25519"] ? [rsa] : [rsa, ed25519];

const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  origin: ORIGIN,
  allowPrivateAddress: true, // everything is on loopback
  firstKnock,
  onOutboxError: (error, activity) => {
    errors.push({ kind: "outbox", activity: activity?.id?.href ?? null, error: String(error) });
    log.error("Delivery of {activity} failed: {error}", { activity: activity?.id?.href, error });
  },
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop tester",
      summary: "A Fedify peer used by ionode's federation tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .mapHandle((ctx, username) => (username === USER ? USER : null))
  .setKeyPairsDispatcher((ctx, identifier) => (identifier === USER ? keyPairs : []));

// Who follows `tester` (accepted at once, as an open account does): actor id -> actor.
const followers = new Map();

federation.setFollowersDispatcher("/users/{identifier}/followers",
  () => ({ items: [...followers.values()] }));
federation.setOutboxDispatcher("/users/{identifier}/outbox", () => ({ items: [] }));
federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-interop-peer", version: "1.0.0" },
  protocols: ["activitypub"],
  usage: { users: { total: 1 }, localPosts: 0, localComments: 0 },
}));

async function record(ctx, activity, fetchObject) {
  const entry = {
    type: activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    objectType: null,
    content: null,
    recipient: ctx.recipient ?? null, // null: arrived at the shared inbox
    receivedAt: new Date().toISOString(),
  };
  if (fetchObject) {
    try {
      let object = await activity.getObject();
      if (object instanceof Create) object = await object.getObject(); // Announce{Create{Note}}
      entry.objectType = object?.constructor?.name ?? null;
      entry.objectId = object?.id?.href ?? null;
      entry.content = object?.content == null ? null : String(object.content);
    } catch (error) {
      entry.objectError = String(error);
      log.error("Could not get the object of {id}: {error}", { id: entry.id, error });
    }
  }
  received.push(entry);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, (ctx, activity) => record(ctx, activity, false))
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow, false);
    const follower = await follow.getActor();
    if (follower?.id == null || follow.objectId?.href !== ctx.getActorUri(USER).href) return;
    followers.set(follower.id.href, follower);
    await ctx.sendActivity({ identifier: USER }, follower, new Accept({
      id: new URL(`/accepts/${crypto.randomUUID()}`, ORIGIN),
      actor: ctx.getActorUri(USER),
      object: follow,
    }));
  })
  .on(Create, (ctx, activity) => record(ctx, activity, true))
  .on(Announce, (ctx, activity) => record(ctx, activity, true))
  .on(Update, (ctx, activity) => record(ctx, activity, false))
  .on(Delete, (ctx, activity) => record(ctx, activity, false))
  .on(Undo, (ctx, activity) => record(ctx, activity, false))
  .onError((ctx, error) => {
    errors.push({ kind: "inbox", error: String(error) });
    log.error("Inbox listener failed: {error}", { error });
  })
  .onUnverifiedActivity((ctx, activity, reason) => {
    errors.push({ kind: "unverified", activity: activity.id?.href ?? null,
      reason: JSON.parse(JSON.stringify(reason)) });
    log.error("Unverified activity {id}: {reason}", { id: activity.id?.href, reason });
  });

// ---- control endpoints -----------------------------------------------------------

const follows = new Map(); // target actor id -> Follow we sent

async function lookupActor(ctx, target) {
  const actor = await ctx.lookupObject(target);
  if (actor == null || !isActor(actor)) {
    throw Object.assign(new Error(`lookup of ${target} gave ${actor?.constructor?.name ?? "nothing"}`),
      { status: 404 });
  }
  return actor;
}

async function control(request, url) {
  const ctx = federation.createContext(request, undefined);
  const target = url.searchParams.get("target");
  const route = `${request.method} ${url.pathname}`;
  if (route === "GET /_control/received") return received;
  if (route === "GET /_control/deliveries") return deliveries;
  if (route === "GET /_control/outgoing") return outgoing;
  if (route === "GET /_control/errors") return errors;
  if (route === "GET /_control/actor") return { id: ctx.getActorUri(USER).href };
  if (route === "POST /_control/event") return publishEvent(ctx, url.searchParams);
  if (!target) throw Object.assign(new Error("missing ?target="), { status: 400 });
  if (route === "GET /_control/lookup") {
    const actor = await lookupActor(ctx, target);
    const key = await actor.getPublicKey();
    return {
      id: actor.id?.href ?? null,
      type: actor.constructor.name,
      preferredUsername: actor.preferredUsername?.toString() ?? null,
      name: actor.name?.toString() ?? null,
      inbox: actor.inboxId?.href ?? null,
      outbox: actor.outboxId?.href ?? null,
      followers: actor.followersId?.href ?? null,
      sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
      publicKey: key?.id?.href ?? null,
      publicKeyOwner: key?.ownerId?.href ?? null,
      publicKeyAlgorithm: key?.publicKey?.algorithm?.name ?? null,
    };
  }
  if (route === "POST /_control/follow") {
    const actor = await lookupActor(ctx, target);
    const follow = new Follow({
      id: new URL(`/follows/${crypto.randomUUID()}`, ORIGIN),
      actor: ctx.getActorUri(USER),
      object: actor.id,
    });
    follows.set(actor.id.href, follow);
    await ctx.sendActivity({ identifier: USER }, actor, follow);
    return { follow: follow.id.href, object: actor.id.href };
  }
  if (route === "POST /_control/unfollow") {
    const actor = await lookupActor(ctx, target);
    const follow = follows.get(actor.id.href);
    if (follow == null) throw Object.assign(new Error(`not following ${target}`), { status: 409 });
    const undo = new Undo({
      id: new URL(`/undos/${crypto.randomUUID()}`, ORIGIN),
      actor: ctx.getActorUri(USER),
      object: follow,
    });
    await ctx.sendActivity({ identifier: USER }, actor, undo);
    follows.delete(actor.id.href);
    return { undo: undo.id.href, object: actor.id.href };
  }
  throw Object.assign(new Error(`no route ${route}`), { status: 404 });
}

// `Create{Event}` to every follower: ?name=&start=&end=&location= (ISO 8601 instants).
async function publishEvent(ctx, params) {
  const id = crypto.randomUUID();
  const event = new Event({
    id: new URL(`/events/${id}`, ORIGIN),
    attribution: ctx.getActorUri(USER),
    name: params.get("name"),
    content: params.get("content") ?? "",
    startTime: Temporal.Instant.from(params.get("start")),
    endTime: Temporal.Instant.from(params.get("end")),
    location: new Place({ name: params.get("location") }),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(USER),
  });
  const create = new Create({
    id: new URL(`/creates/${id}`, ORIGIN),
    actor: ctx.getActorUri(USER),
    object: event,
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(USER),
  });
  await ctx.sendActivity({ identifier: USER }, [...followers.values()], create);
  return { create: create.id.href, event: event.id.href, followers: followers.size };
}

// ---- HTTP ------------------------------------------------------------------------

// Check an inbox POST independently of Fedify's inbox handler, which skips the HTTP
// signature once an object proof verifies: the test wants to know about both.
async function inspectDelivery(request, body) {
  const ctx = federation.createContext(request, undefined);
  const entry = { path: new URL(request.url).pathname, scheme: signatureScheme(request.headers),
    activity: null, type: null, proof: null, httpSignature: null, status: null };
  try {
    const http = await verifyRequestDetailed(request.clone(), {
      documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader,
    });
    entry.httpSignature = http.verified
      ? { verified: true, keyId: http.key.id?.href ?? null }
      : { verified: false, reason: JSON.parse(JSON.stringify(http.reason)) };
  } catch (error) {
    entry.httpSignature = { verified: false, error: String(error) };
  }
  try {
    const json = JSON.parse(body.toString("utf8"));
    entry.activity = json.id ?? null;
    entry.type = json.type ?? null;
    if (json.proof != null) {
      const proofs = [json.proof].flat();
      const verified = await verifyObject(Activity, json, {
        documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader,
      });
      entry.proof = { present: true, cryptosuites: proofs.map((p) => p.cryptosuite ?? p.type),
        verified: verified != null };
    } else {
      entry.proof = { present: false };
    }
  } catch (error) {
    entry.proof = { error: String(error) };
  }
  return entry;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res, status, value) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, ORIGIN);
    const body = req.method === "GET" || req.method === "HEAD" ? null : await readBody(req);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of [value].flat()) headers.append(name, v);
    }
    const request = new Request(url, { method: req.method, headers, body });
    if (url.pathname.startsWith("/_control/")) {
      try {
        return json(res, 200, await control(request, url));
      } catch (error) {
        log.error("Control {path} failed: {error}", { path: url.pathname, error });
        return json(res, error.status ?? 500, { error: String(error) });
      }
    }
    let delivery = null;
    if (req.method === "POST" && /(^\/inbox$)|(\/inbox$)/.test(url.pathname)) {
      delivery = await inspectDelivery(request, body);
      deliveries.push(delivery);
    }
    const response = await federation.fetch(request, { contextData: undefined });
    if (delivery) delivery.status = response.status;
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    log.error("Request {method} {url} failed: {error}", { method: req.method, url: req.url, error });
    if (!res.headersSent) json(res, 500, { error: String(error) });
    else res.end();
  }
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`fedify peer listening on ${ORIGIN} (first knock: ${firstKnock})\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
