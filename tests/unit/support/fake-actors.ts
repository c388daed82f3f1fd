/** Fakes for child actors: a channel the test drives, and recorders for root's children. */
import { fromCallback, type AnyEventObject } from 'xstate';
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

/** A child actor that only records the events it receives. */
export function recorder() {
	const received: AnyEventObject[] = [];
	const logic = fromCallback<AnyEventObject>(({ receive }) => {
		receive((event) => received.push(event));
	});

	return { logic, received, types: () => received.map((event) => event.type) };
}
