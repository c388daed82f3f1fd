/** Stand-ins for the browser's localStorage and `storage` events, installed as globals. */
import { vi } from 'vitest';

/**
 * A localStorage whose `setItem` can be made to refuse writes from the `failFrom`-th call
 * on, the way private-browsing modes throw QuotaExceededError.
 */
export class FakeStorage {
	items = new Map<string, string>();
	setItemCalls = 0;

	constructor(private failFrom = Infinity) {}

	getItem(key: string) {
		return this.items.get(key) ?? null;
	}

	setItem(key: string, value: string) {
		this.setItemCalls += 1;
		if (this.setItemCalls >= this.failFrom) {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		}
		this.items.set(key, value);
	}

	removeItem(key: string) {
		this.items.delete(key);
	}
}

/**
 * Removes BroadcastChannel and installs `storage` as localStorage, with a window-like event
 * target for `storage` events. `deliverFromOtherTab` plays a write made by another tab.
 */
export function installStorageOnly(storage: FakeStorage) {
	const windowEvents = new EventTarget();
	let storageListeners = 0;
	vi.stubGlobal('BroadcastChannel', undefined);
	vi.stubGlobal('localStorage', storage);
	vi.stubGlobal('addEventListener', (type: string, listener: EventListener) => {
		if (type === 'storage') storageListeners += 1;
		windowEvents.addEventListener(type, listener);
	});
	vi.stubGlobal('removeEventListener', (type: string, listener: EventListener) => {
		if (type === 'storage') storageListeners -= 1;
		windowEvents.removeEventListener(type, listener);
	});

	return {
		listenerCount: () => storageListeners,
		deliverFromOtherTab(key: string, newValue: string | null) {
			windowEvents.dispatchEvent(Object.assign(new Event('storage'), { key, newValue }));
		}
	};
}
