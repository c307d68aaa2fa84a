/**
 * "Do you want to perform these moves?" — on a terminal only; only `yes`
 * is accepted, as terraform does.
 */
import { Box, Text, render, useApp, useInput } from 'ink';
import React, { useState } from 'react';

function Confirm({ onAnswer }: { onAnswer: (yes: boolean) => void }) {
  const [typed, setTyped] = useState('');
  const { exit } = useApp();
  useInput((input, key) => {
    // Fast typing or a paste arrives as one chunk ("yes\r"): a newline anywhere submits.
    const newline = input.search(/[\r\n]/);
    if (key.return || newline >= 0) {
      onAnswer((typed + (newline >= 0 ? input.slice(0, newline) : '')).trim() === 'yes');
      exit();
    } else if (key.backspace || key.delete) setTyped((t) => t.slice(0, -1));
    else if (key.ctrl && input === 'c') {
      onAnswer(false);
      exit();
    } else setTyped((t) => t + input);
  });
  return (
    <Box flexDirection="column">
      <Text bold>Do you want to perform these moves?</Text>
      <Text>  Only 'yes' will be accepted to approve.</Text>
      <Text>
        {'  '}Enter a value: {typed}
      </Text>
    </Box>
  );
}

export function confirm(): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const app = render(<Confirm onAnswer={(yes) => (answer = yes)} />, { stdout: process.stderr });
    void app.waitUntilExit().then(() => resolve(answer));
  });
}
