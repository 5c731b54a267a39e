import { agingTool } from './aging';

export default agingTool('receivables');
