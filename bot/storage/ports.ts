// The store ports: everything durable, as async interfaces the rest of bot/ depends on. The SQLite
// implementation is bot/storage/sqlite/; a second backend is a second folder implementing the same
// interfaces plus one branch in openStores (bot/storage/index.ts).
//
// Every method may run inside a unit of work (a conversation's turn): a backend with transactions finds
// the current one itself (see unitOfWork.ts), so no signature carries it.
import type { Activity, ConversationReference, Storage, TranscriptStore } from 'botbuilder';
import type { Language } from '../../knowledge/schema';
import type { Job } from '../coordination/ports';
import type { AgentMessage, AttachmentInfo, ClosedBy, Session, SessionReason, SessionStatus, SessionSummary, Ticket } from '../handoff/model';

/** Dialog and conversation state: botbuilder's Storage, plus its stored JSON as text (DurableConversationState). */
export interface DialogStateStore extends Storage {
  /** The stored JSON of one item, without its eTag. */
  readJson(key: string): Promise<string | undefined>;
  /** Stores an item's JSON as it is, under a new eTag: last writer wins, like BotState's eTag '*'. */
  writeJson(key: string, json: string): Promise<void>;
}

/** Transcripts: botbuilder's TranscriptStore, plus what the handoff and retention read. */
export interface TranscriptRepo extends TranscriptStore {
  logActivity(activity: Partial<Activity>): Promise<void>;
  /** One turn's activities, in the order given, in one write (TurnTranscriptLogger awaits it inside the turn). */
  logActivities(activities: Partial<Activity>[]): Promise<void>;
  /** The last `limit` activities of a conversation, oldest first (context for a human agent). */
  getRecentActivities(channelId: string, conversationId: string, limit: number): Promise<Activity[]>;
  /** Retention: deletes activities stamped before `date`; resolves with how many. */
  deleteOlderThan(date: Date): Promise<number>;
}

/** A stored conversation reference and the channel (bot/channels) that owns the conversation. */
export interface StoredReference {
  channel: string;
  reference: Partial<ConversationReference>;
}

/** The last known conversation reference of every (channel id, conversation), to write to a seller later. */
export interface ReferenceRepo {
  /**
   * Saves the reference for the channel that ran the turn; false when refused: an untrusted activity
   * naming another origin (Channel.originOf) than the one stored for the conversation (a takeover).
   */
  save(reference: Partial<ConversationReference>, options?: { trusted?: boolean; channel?: string; origin?: string }): Promise<boolean>;
  get(channelId: string, conversationId: string): Promise<Partial<ConversationReference> | undefined>;
  lookup(channelId: string, conversationId: string): Promise<StoredReference | undefined>;
}

export type ReferenceSaveOptions = { trusted?: boolean; channel?: string; origin?: string };

/**
 * What ReferenceRepo.save stores, the same on every backend: the options with their defaults, and the
 * reference without the incoming activity id (it changes every turn and is not needed to write to the
 * seller later); undefined when the reference names no conversation (nothing to save).
 */
export function referenceToSave(reference: Partial<ConversationReference>, { trusted = true, channel = 'botframework', origin = '' }: ReferenceSaveOptions = {}) {
  const conversationId = reference.conversation?.id;
  if (!conversationId) return undefined;
  const { activityId: _activityId, ...stable } = reference;
  return { channelId: reference.channelId ?? '', conversationId, channel, origin, trusted, stable };
}

export interface NewSession {
  conversationId: string;
  channelId: string;
  reason: SessionReason;
  language: Language;
  queuedAt: string;
  summary: SessionSummary;
  estimateMinutes: number;
  /** The seller's position when queued (so the first update only comes when it improves). */
  position: number;
  status?: 'waiting' | 'active';
  agent?: string;
}

export type SessionChanges = Partial<Pick<Session, 'lastNotifiedPosition' | 'lastNotifiedAt' | 'waitExceededNotified' | 'sellerAcked' | 'protocol' | 'summary' | 'language'>>;

/**
 * The handoff's sessions (queue, live chats, missed requests), offline tickets and agent messages. Status
 * changes are compare-and-set: they happen only from the status the caller read (`expected`) and only
 * when model.ts's transitions allow them, so concurrent callers cannot both win.
 */
export interface HandoffRepo {
  /** Queues (or opens) a session, superseding older missed ones; undefined when one is already open. */
  createSession(input: NewSession, caseDate: string): Promise<Session | undefined>;
  session(id: number): Promise<Session | undefined>;
  /** The waiting or active session of a conversation. */
  openSession(conversationId: string): Promise<Session | undefined>;
  /** The conversation's most recent session, whatever its status. */
  latestSession(conversationId: string): Promise<Session | undefined>;
  /** Oldest first: index + 1 is the position. */
  waiting(): Promise<Session[]>;
  active(): Promise<Session[]>;
  /** Newest first; `before` (a queuedAt) gives the page after the one that ended there. */
  missed(since: string, limit?: number, before?: string): Promise<Session[]>;
  position(session: Session): Promise<number>;
  accept(id: number, agent: string, at: string, expected?: readonly SessionStatus[]): Promise<boolean>;
  close(id: number, by: ClosedBy, at: string, expected?: readonly SessionStatus[]): Promise<boolean>;
  markMissed(id: number, at: string, expected?: readonly SessionStatus[]): Promise<boolean>;
  update(id: number, changes: SessionChanges): Promise<void>;
  /** Minutes agents spent on the last `limit` chats they finished (for the wait estimate). */
  recentHandlingMinutes(limit?: number): Promise<number[]>;
  /** Whether the hub has ever seen this conversation (a session or a ticket). */
  knows(conversationId: string): Promise<boolean>;
  /** Outside hours: remembers that the seller's next message becomes a ticket. */
  createDraftTicket(conversationId: string, channelId: string, language: Language, at: string, caseDate: string): Promise<Ticket>;
  draftTicket(conversationId: string): Promise<Ticket | undefined>;
  deleteDraftTickets(conversationId: string): Promise<void>;
  deleteDraftsBefore(at: string): Promise<void>;
  /** The draft becomes an open ticket; undefined when it is no longer a draft. */
  saveTicket(id: number, text: string, attachments: AttachmentInfo[], at: string): Promise<Ticket | undefined>;
  ticketById(id: number): Promise<Ticket | undefined>;
  ticketByCase(caseNumber: string): Promise<Ticket | undefined>;
  openTickets(): Promise<Ticket[]>;
  openTicketsOf(conversationId: string): Promise<Ticket[]>;
  setTicketStatus(id: number, status: 'answered' | 'dismissed'): Promise<boolean>;
  /** Live chats of an agent who chose a new name; resolves with how many. */
  renameActiveAgent(from: string, to: string): Promise<number>;
  addAgentMessage(conversationId: string, sessionId: number | null, agent: string, text: string, at: string): Promise<AgentMessage>;
  markDelivered(id: number): Promise<void>;
  agentMessage(id: number): Promise<AgentMessage | undefined>;
  agentMessages(conversationId: string): Promise<AgentMessage[]>;
  /** Retention: finished sessions, handled tickets and agent messages before `cutoff`; resolves with how many. */
  purgeBefore(cutoff: Date): Promise<number>;
}

/** An agent's console session; the cookie itself is never stored, only its SHA-256 digest (hex). */
export interface AgentSession {
  idDigest: string;
  agent: string;
  /** Digest of the token the agent signed in with (a token removed from configuration ends its sessions). */
  tokenDigest: string;
  createdAt: string;
  expiresAt: string;
}

export interface AgentSessionRepo {
  find(idDigest: string): Promise<AgentSession | undefined>;
  /** Stores a new session, dropping the expired ones. */
  create(session: AgentSession): Promise<void>;
  delete(idDigest: string): Promise<void>;
  /** Sessions of an agent who chose a new name follow it. */
  renameAgent(from: string, to: string): Promise<void>;
}

export type OutboxStatus = 'pending' | 'failed';

export interface OutboxRow {
  id: number;
  conversation_id: string;
  channel_id: string;
  /** The channel (bot/channels) that delivers the row, and its address there (JSON). */
  channel: string;
  address: string;
  /** 1: kept until the seller's next message (reach `next-message`), never retried on a timer. */
  held: number;
  /** Stable id sent as the activity's `id` on every attempt, so a channel can drop a repeat. */
  activity_id: string;
  activity: string;
  status: OutboxStatus;
  attempts: number;
  /** Epoch milliseconds. */
  next_attempt_at: number;
  last_error: string | null;
  /** Epoch milliseconds. */
  created_at: number;
}

export interface NewOutboxRow {
  conversationId: string;
  channelId: string;
  channel: string;
  address: string;
  held?: boolean;
  activityId: string;
  activity: string;
  createdAt: number;
}

/**
 * The durable outbox: what the bot posts to a channel is stored first and deleted once the channel took
 * it. Rows of a conversation go out in id order; only its oldest pending row (the head) decides when it
 * is retried, and a held head (reach `next-message`) never is.
 */
export interface OutboxRepo {
  /** Adds the rows in one transaction (in order); resolves with their ids. */
  add(rows: NewOutboxRow[]): Promise<number[]>;
  head(channel: string, conversationId: string): Promise<OutboxRow | undefined>;
  /** Removes and returns the conversation's held rows, oldest first (the channel delivers them in a turn). */
  takeHeld(channel: string, conversationId: string): Promise<OutboxRow[]>;
  delivered(id: number): Promise<void>;
  retry(id: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Given up: kept (status failed) for the record until retention. */
  fail(id: number, error: string): Promise<void>;
  /** Conversations whose head is due (never a held one), most overdue first. */
  dueConversations(now: number, limit: number): Promise<{ channel: string; conversationId: string }[]>;
  pendingActivityIds(conversationId: string): Promise<string[]>;
  /** Undelivered rows per (channel, address), for the per-origin cap of unauthenticated traffic. */
  pendingByAddress(): Promise<{ channel: string; address: string; n: number }[]>;
  pendingCounts(): Promise<Map<string, number>>;
  /** Retention: rows given up on before `cutoff`; resolves with how many. */
  purgeFailedBefore(cutoff: Date): Promise<number>;
}

export interface ConversationRow {
  id: string;
  userId: string;
  locale: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  lastSeq: number;
}

export interface UploadRow {
  id: string;
  conversationId: string;
  name: string;
  contentType: string;
  size: number;
  file: string;
  createdAt: string;
}

export interface StoredActivity {
  seq: number;
  activity: Record<string, unknown>;
}

/** Direct Line activity ids look like `<conversationId>|0000012`; the number is the watermark. */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** The built-in web chat's Direct Line: conversations, their activity lists (watermarks) and uploads. */
export interface WebChatRepo {
  createConversation(id: string, userId: string, locale: string | undefined, now: Date): Promise<void>;
  getConversation(id: string): Promise<ConversationRow | undefined>;
  /** True the first time only: the caller then tells the bot that the seller joined. */
  markStarted(id: string, locale: string | undefined, now: Date): Promise<boolean>;
  /**
   * Appends an activity with the next watermark, its Direct Line id (activityId) and a server timestamp;
   * undefined when the conversation is unknown or ended.
   */
  append(conversationId: string, activity: Record<string, unknown>, now: Date): Promise<StoredActivity | undefined>;
  activitiesAfter(conversationId: string, watermark: number, limit?: number): Promise<StoredActivity[]>;
  getActivity(conversationId: string, seq: number): Promise<Record<string, unknown> | undefined>;
  /** Whether `id` names an activity in this conversation's list. */
  hasActivity(conversationId: string, id: string): Promise<boolean>;
  addUpload(upload: UploadRow): Promise<void>;
  getUpload(id: string): Promise<UploadRow | undefined>;
  /** Deletes conversations idle since before `cutoff`; resolves with the upload files to remove. */
  purgeIdleSince(cutoff: Date): Promise<{ conversations: number; files: string[] }>;
}

/** A message waiting for a KakaoTalk seller's next skill call. */
export interface KakaoPending {
  id: number;
  activity: Partial<Activity>;
}

export interface KakaoUser {
  userKey: string;
  /** Last came through the development channel (the Event API's bot id then ends in "!"). */
  development: boolean;
  language: Language;
  /** Set while a ring (Event API) is out and the seller has not fetched yet: one ring per burst. */
  rungAt?: number;
  taskId?: string;
}

/**
 * The KakaoTalk channel's mailbox (bot/channels/kakao): Kakao is only answered inside its skill call, so
 * what a call could not carry (the rest behind 더 보기, replies after the 5-second budget, agent messages)
 * waits here, oldest first, for the seller's next call; and per seller, the channel and an open ring.
 */
export interface KakaoRepo {
  /** Adds at the end (an activity whose `id` is already there is skipped); false when `max` already wait. */
  append(userKey: string, activities: Partial<Activity>[], max: number, at?: number): Promise<boolean>;
  /** Everything waiting, oldest first (left in place until `settle`). */
  pending(userKey: string): Promise<KakaoPending[]>;
  /** The taken rows were answered; `rest` (what did not fit) waits in front of the others. */
  settle(userKey: string, taken: number[], rest: Partial<Activity>[], at?: number): Promise<void>;
  user(userKey: string): Promise<KakaoUser | undefined>;
  /** Every call: the channel the seller came through. */
  seen(userKey: string, details: { development: boolean; plusfriendUserKey?: string }, at?: number): Promise<void>;
  setLanguage(userKey: string, language: Language): Promise<void>;
  /** A ring goes out; false when one already is (one ring per burst). */
  claimRing(userKey: string, at?: number): Promise<boolean>;
  ringAccepted(userKey: string, taskId: string | undefined): Promise<void>;
  /** The seller fetched (or the ring failed): the next agent message rings again. */
  clearRing(userKey: string): Promise<void>;
  /** Retention: what waited since before `cutoff`; resolves with how many. */
  purgeBefore(cutoff: Date): Promise<number>;
}

/** A Naver TalkTalk webhook event stored before its 200 (bot/channels/talktalk). */
export interface TalkTalkEventRow {
  id: number;
  conversationId: string;
  /** The event as received (JSON). */
  event: string;
  receivedAt: number;
  /** Turns started for it (a crash mid-turn leaves it counted). */
  attempts: number;
}

/** Who owns a TalkTalk chat: the bot, or the partner center's agents after a passThread (with its case). */
export interface TalkTalkThread {
  owner: 'bot' | 'partner';
  caseNumber?: string;
  language?: 'ko' | 'en';
}

/** Naver TalkTalk's own state: the inbox of webhook events (deleted once their turn ran) and each chat's owner. */
export interface TalkTalkRepo {
  addEvent(conversationId: string, event: string, receivedAt: number): Promise<number>;
  /** The conversation's oldest event not yet processed. */
  nextEvent(conversationId: string): Promise<TalkTalkEventRow | undefined>;
  /** Counts a turn started for the event. */
  startEvent(id: number): Promise<void>;
  /** The event's turn ran (it leaves the inbox), or was given up (kept, marked with `failure`). */
  finishEvent(id: number, failure?: string): Promise<void>;
  /** Conversations with events not yet processed, the longest waiting first. */
  pendingConversations(): Promise<string[]>;
  pendingCount(conversationId: string): Promise<number>;
  thread(conversationId: string): Promise<TalkTalkThread>;
  setThread(conversationId: string, thread: TalkTalkThread): Promise<void>;
}

/**
 * A conversation's turn, as one unit of work: `run` gives `work` one transaction shared by every store
 * call inside it (found through AsyncLocalStorage, not passed along). `key` names the conversation
 * (channel and id); a backend serving several instances takes its lock there.
 */
export interface UnitOfWork {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** Everything durable, as opened by openStores. */
export interface Stores {
  readonly dialogState: DialogStateStore;
  readonly transcripts: TranscriptRepo;
  readonly references: ReferenceRepo;
  readonly handoff: HandoffRepo;
  readonly agentSessions: AgentSessionRepo;
  readonly outbox: OutboxRepo;
  readonly webChat: WebChatRepo;
  readonly kakao: KakaoRepo;
  readonly talkTalk: TalkTalkRepo;
  readonly unitOfWork: UnitOfWork;
  /** The backend's own periodic maintenance (SQLite's WAL checkpoints), for the app's jobs. */
  readonly jobs: Job[];
  /** Waits for background work (the SQLite checkpointer) and closes the connection(s). */
  close(): Promise<void>;
}
