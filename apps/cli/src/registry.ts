/** Every CLI command, in help order. Each area owns one module under ./commands. */
import type { Command, CommandGroup } from './command.js';
import { info } from './commands/info.js';
import { chars } from './commands/chars.js';
import { demo } from './commands/demo.js';
import { forecast } from './commands/forecast.js';
import { data } from './commands/data.js';
import { serve } from './commands/serve.js';
import { start } from './commands/start.js';

export const commands: (Command | CommandGroup)[] = [info, chars, demo, forecast, data, serve, start];
