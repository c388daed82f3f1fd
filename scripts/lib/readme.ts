/** machines/README.md, written from the live machines by `npm run machines:diagram`. */
import { toMermaid } from './mermaid';
import type { ChartEntry } from './machines';

export const README_PATH = 'machines/README.md';

const HEADER = `<!-- Written by \`npm run machines:diagram\` from the machines themselves; edits here are overwritten. -->

# The statecharts

Each chart below is drawn from the machine object the app runs, so it always matches the code.
To open one in the Stately visualizer, paste its file into https://stately.ai/viz (or import it
in Stately Studio). Events are \`domain.verb\`; a label \`event [guard]\` is taken only when the
guard holds; \`after <delay>\` is a timer; \`<actor> done\` is the answer of an invoked actor.
Lines inside a state are events it handles without leaving it.`;

/** The whole README: a header, then one section and one Mermaid chart per machine. */
export function renderMachinesReadme(entries: ChartEntry[]): string {
	const sections = entries.map(({ file, machine }) =>
		[
			`## ${machine.id} — [\`${file}\`](${file})`,
			'',
			machine.root.description ?? '',
			'',
			'```mermaid',
			toMermaid(machine),
			'```'
		].join('\n')
	);

	return `${[HEADER, ...sections].join('\n\n')}\n`;
}
