import { agingTool } from './aging';

export default agingTool('payables');
