/**
 * Apply progress on a terminal: moves by phase, a spinner on the running
 * ones, counts and elapsed time.
 */
import { Box, Text, render } from 'ink';
import React, { useEffect, useState } from 'react';
import type { Move } from '../../schemas/plan.js';
import { describeMove } from '../render/plan-facts.js';

type Row = { move: Move; state: 'waiting' | 'running' | 'done' | 'failed' };
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function ApplyProgress({ moves, subscribe }: { moves: Move[]; subscribe: (f: (id: string, s: Row['state']) => void) => void }) {
  const [rows, setRows] = useState<Row[]>(moves.map((move) => ({ move, state: 'waiting' })));
  const [frame, setFrame] = useState(0);
  const [started] = useState(Date.now());
  useEffect(() => {
    subscribe((id, state) => setRows((rs) => rs.map((r) => (r.move.id === id ? { ...r, state } : r))));
    const t = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    return () => clearInterval(t);
  }, [subscribe]);
  const done = rows.filter((r) => r.state === 'done').length;
  const visible = rows.filter((r) => r.state !== 'waiting').slice(-12);
  return (
    <Box flexDirection="column">
      {visible.map((r) => {
        const d = describeMove(r.move);
        const mark = r.state === 'running' ? FRAMES[frame] : r.state === 'done' ? '✓' : '✗';
        const color = r.state === 'failed' ? 'red' : r.state === 'done' ? 'green' : 'cyan';
        return (
          <Text key={r.move.id}>
            <Text color={color}>{mark}</Text> {d.kind.padEnd(8)} {d.subject} {d.detail}
          </Text>
        );
      })}
      <Text dimColor>
        {done}/{rows.length} moves · {((Date.now() - started) / 1000).toFixed(1)}s
      </Text>
    </Box>
  );
}

export function startApplyProgress(moves: Move[]): { update: (id: string, state: Row['state']) => void; stop: () => Promise<void> } {
  let listener: ((id: string, s: Row['state']) => void) | undefined;
  const app = render(<ApplyProgress moves={moves} subscribe={(f) => (listener = f)} />, { stdout: process.stderr, patchConsole: false });
  return {
    update: (id, s) => listener?.(id, s),
    // Let React render the last update before the view goes away.
    stop: () => new Promise((resolve) => setTimeout(() => (app.unmount(), resolve()), 100)),
  };
}
