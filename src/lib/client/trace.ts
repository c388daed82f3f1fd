/** Saving a recorded trace from the browser as a file the replay script reads. */
import type { Trace } from '$machines/trace/format';

/** `creatordata-trace-2025-01-01T10-00-00.json`: sortable, and safe on every file system. */
export function traceFileName(recordedAt: string): string {
	return `creatordata-trace-${recordedAt.slice(0, 19).replace(/:/g, '-')}.json`;
}

/** Offers the trace as a download through a temporary link. */
export function downloadTrace(trace: Trace): void {
	const blob = new Blob([`${JSON.stringify(trace, null, '\t')}\n`], {
		type: 'application/json'
	});
	const url = URL.createObjectURL(blob);
	const link = document.createElement('a');
	link.href = url;
	link.download = traceFileName(trace.recordedAt);
	document.body.append(link);
	link.click();
	link.remove();
	URL.revokeObjectURL(url);
}
