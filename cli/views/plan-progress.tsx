/**
 * While the solver runs, on a terminal only: a spinner, the elapsed time and
 * the best objective / bound / gap the MIP callbacks report.
 */
import { Box, Text, render } from 'ink';
import React, { useEffect, useState } from 'react';

export interface Progress {
  seconds: number;
  objective?: number;
  bound?: number;
  gap?: number;
  /** A large fleet planned in blocks: how many are done. */
  blocks?: { done: number; of: number };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function PlanProgress({ subscribe }: { subscribe: (f: (p: Progress) => void) => void }) {
  const [frame, setFrame] = useState(0);
  const [started] = useState(Date.now());
  const [progress, setProgress] = useState<Progress | undefined>();
  useEffect(() => {
    subscribe(setProgress);
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    return () => clearInterval(timer);
  }, [subscribe]);
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  return (
    <Box>
      <Text color="cyan">{FRAMES[frame]} </Text>
      <Text>planning… {elapsed}s</Text>
      {progress?.blocks && (
        <Text dimColor>
          {'  '}block {progress.blocks.done} of {progress.blocks.of} done
        </Text>
      )}
      {progress?.objective !== undefined && (
        <Text dimColor>
          {'  '}best {progress.objective.toFixed(2)}, bound {progress.bound?.toFixed(2) ?? '–'}, gap {progress.gap !== undefined ? `${(progress.gap * 100).toFixed(2)}%` : '–'}
        </Text>
      )}
    </Box>
  );
}

/** Start the view on stderr; the returned functions feed it and take it down. */
export function startPlanProgress(): { update: (p: Progress) => void; stop: () => void } {
  let listener: ((p: Progress) => void) | undefined;
  const app = render(<PlanProgress subscribe={(f) => (listener = f)} />, { stdout: process.stderr, patchConsole: false });
  return {
    update: (p) => listener?.(p),
    stop: () => {
      app.clear();
      app.unmount();
    },
  };
}
