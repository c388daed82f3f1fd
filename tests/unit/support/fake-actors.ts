/** A fake `channel` actor for the tabSync machine. */
import { fromCallback } from 'xstate';
import type { ChannelCommand, ChannelEvent } from '../../../machines/adapters/tab-channel';

/** A `channel` actor whose reports the test sends and whose posts it reads. */
export function fakeChannel() {
	const posts: unknown[] = [];
	let sendBack: (event: ChannelEvent) => void = () => {
		throw new Error('The channel actor has not started.');
	};

	const channel = fromCallback<ChannelCommand, { tabId: string }, ChannelEvent>((args) => {
		sendBack = args.sendBack;
		args.receive((command) => posts.push(command.message));
	});

	return { channel, posts, report: (event: ChannelEvent) => sendBack(event) };
}
