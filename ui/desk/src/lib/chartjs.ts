// Chart.js with only the pieces the Reports charts use registered, so the rest of the library
// is left out of the build. Loaded on first use (see charts.ts): a desk that never opens the
// reports never loads it.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.font.family = "'Noto Sans', 'Noto Sans Khmer', 'Noto Sans Arabic', system-ui, sans-serif";
Chart.defaults.color = '#4a5561';
// Still pictures: for people who asked for less motion, and for everyone else too.
Chart.defaults.animation = false;

export { Chart };
