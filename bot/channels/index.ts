// The channels of this app (bot/channels/port.ts) and which one owns a stored conversation. Adding a
// channel: a folder bot/channels/<name>/ whose factory returns a Channel, and one line in bot/app.ts
// (`channels.add(createXChannel(channelDeps))`). See ARCHITECTURE.md, "Adding a channel".
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { ReferenceRepo } from '../storage/ports';
import type { Channel, Reach } from './port';

export { type Channel, type ChannelAddress, DeliveryError, type Reach, turnChannel } from './port';
export { type ChannelDeps, type TurnMiddlewareDeps, installTurnMiddleware, isAuthenticatedTurn, sendDurably } from './middleware';

export class Channels {
  private readonly byName = new Map<string, Channel>();

  constructor(private readonly references: Pick<ReferenceRepo, 'lookup'>) {}

  add<C extends Channel>(channel: C): C {
    if (this.byName.has(channel.name)) throw new Error(`two channels named "${channel.name}"`);
    this.byName.set(channel.name, channel);
    return channel;
  }

  get(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  list(): Channel[] {
    return [...this.byName.values()];
  }

  /** The channel that owns a stored conversation (its last turn ran there), with the stored reference. */
  async owner(channelId: string, conversationId: string): Promise<{ channel: Channel; reference: Partial<ConversationReference> } | undefined> {
    const stored = await this.references.lookup(channelId, conversationId);
    const channel = stored && this.byName.get(stored.channel);
    return channel ? { channel, reference: stored.reference } : undefined;
  }

  /** How the conversation can be reached outside its turns: `none` without a stored reference or channel. */
  async reach(channelId: string, conversationId: string): Promise<Reach> {
    const owner = await this.owner(channelId, conversationId);
    return owner ? owner.channel.reach(owner.reference) : 'none';
  }

  /** Runs `logic` in a proactive turn on the owning channel's adapter (with the shared middleware). */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const owner = await this.owner(reference.channelId ?? '', reference.conversation?.id ?? '');
    if (!owner) throw new Error('no channel owns this conversation (no stored reference)');
    await owner.channel.continueConversation(reference, logic);
  }
}
