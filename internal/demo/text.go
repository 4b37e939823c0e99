package demo

// The words of the demo's story that the sample phrase book does not write: why a ticket
// changed hands, what a department was asked and answered, what a customer wrote after a
// resolution. Staff talk to each other in Chinese, so notes and transfer reasons are in
// Chinese on English tickets too; what the customer reads follows the customer's language.

// teamInfo describes the service teams (in the order of sample.Teams()).
var teamInfo = [numTeams]string{
	tPresale:   "产品选购、价格与优惠活动咨询，协助客户下单",
	tAfter1:    "维修、安装、换货与保修服务",
	tAfter2:    "退货退款、价保与发票问题",
	tComplaint: "客户投诉的受理、调查、处理与回访",
	tOnline:    "官网、App 与小程序在线咨询，订单与物流查询（含英文坐席）",
	tVIP:       "VIP 与企业客户的专属服务",
}

// deptInfo describes the departments (in the order of sample.Departments()).
var deptInfo = [numDepts]string{
	dTech:      "产品故障诊断与技术支持",
	dLogistics: "仓储、配送与上门取件",
	dFinance:   "退款、发票与对账",
	dQuality:   "退换货检测与产品质量问题调查",
	dStores:    "线下门店服务与安装网点管理",
}

// routeReason is the system's reason when it routes a portal ticket to a team.
const routeReason = "自助服务门户工单，按工单类型自动分派至%s"

// Transfer reasons by case.
var transferReasons = map[string][]string{
	"refund": {
		"客户要求退款，转售后二组处理",
		"已确认无法修复，客户选择退货退款，转售后二组办理",
		"在线咨询后确认需要退款，转售后二组跟进",
	},
	"complaint": {
		"客户投诉，转投诉处理组跟进",
		"客户情绪激动，明确要求投诉，升级至投诉处理组处理",
		"客户对上次的处理结果不满意并要求投诉，转投诉处理组",
	},
	"repair": {
		"需要安排师傅上门检修，转售后一组处理",
		"客户咨询的是已购商品的故障维修，转售后一组",
	},
	"exchange": {
		"涉及换货，转售后一组办理",
		"客户改为换货，转售后一组处理",
	},
	"return": {
		"涉及退货，转售后组办理上门取件",
	},
	"order": {
		"客户已下单，物流与配送问题转在线客服组跟进",
		"订单问题，转在线客服组查询处理",
	},
	"presale": {
		"客户咨询选购方案，转售前咨询组专业顾问",
		"客户有采购意向，转售前咨询组跟进报价",
	},
	"vip": {
		"核实为 VIP 客户，转 VIP 服务组专人跟进",
		"企业大客户，转 VIP 服务组客户经理处理",
	},
	"english": {
		"英文客户，转在线客服组英文坐席跟进",
	},
}

// deptWork is what an agent asks a department and what the department answers.
type deptWork struct{ ask, answer string }

var deptWorks = [numDepts][]deptWork{
	dTech: {
		{"已转技术部：客户描述的故障见上，请协助判断是否需要上门更换主板。", "技术部：根据客户提供的故障代码判断为主控板故障，属于保修范围，建议安排上门更换主板，配件已预留。"},
		{"请技术部协助远程排查，客户已尝试断电重启，问题依旧。", "技术部：已远程查看设备日志，是固件版本过旧导致，已推送升级包，客户联网后重启即可。"},
		{"请技术部确认该型号是否支持客户说的安装方式。", "技术部：该型号支持壁挂与嵌入两种安装方式，嵌入式需预留 5 厘米散热空间，可按此答复客户。"},
		{"客户发票遗失，请技术部根据机身条码核实出厂日期和保修期。", "技术部：已按机身条码查询，该机仍在整机保修期内，凭条码即可免费保修，无需发票。"},
	},
	dLogistics: {
		{"请物流部核实包裹轨迹，客户反映物流超过四天没有更新。", "物流部：已联系承运商，包裹在中转站滞留，今天已重新发出，预计明天送达。"},
		{"请物流部安排上门取件，客户方便的时间是工作日晚上。", "物流部：已预约快递明天 18:00-20:00 上门取件，取件员会提前电话联系客户。"},
		{"请物流部核实是否错发，客户收到的型号与订单不一致。", "物流部：已核实为仓库拣货错误，已安排补发正确型号，错发商品由快递上门取回。"},
	},
	dFinance: {
		{"请财务部核实退款进度，客户反映超过 7 天仍未到账。", "财务部：退款已于今日原路退回，银行到账一般需要 1-3 个工作日。"},
		{"请财务部协助开具增值税专用发票，开票信息客户已提供。", "财务部：专票已开具，电子版已发送至客户邮箱，纸质发票随后邮寄。"},
		{"请财务部确认价保差额的退款方式。", "财务部：价保差额已按原支付方式退回，可在订单详情中查看退款记录。"},
	},
	dQuality: {
		{"请质检部评估是否属于批次质量问题，近期同型号有类似反馈。", "质检部：同批次已收到 3 起类似反馈，已登记质量问题，建议直接为客户办理换新。"},
		{"退回商品已到仓，请质检部出具检测结论。", "质检部：检测结论为非人为损坏，符合退换货条件，可以为客户办理。"},
	},
	dStores: {
		{"客户反映门店服务问题，请门店运营部核实。", "门店运营部：已与门店店长核实情况，已对相关店员进行培训，门店将致电客户致歉。"},
		{"请门店运营部协调安装网点，客户所在区域的师傅排期已满。", "门店运营部：已协调附近网点增派师傅，可在后天上午上门安装。"},
	},
}

// Customer lines after a resolution, which reopen the ticket, and the agent's answer.
var reopenZH = map[string][]string{
	"consultation/": {
		"你好，按照上次说的方法操作了，还是不太明白，能再帮我看看吗？",
		"上次的答复我看了，但和我遇到的情况不太一样，麻烦再确认一下。",
	},
	"presale/": {
		"你好，我已经按你们推荐的型号下单了，但一直没有人联系我安排送货安装，麻烦再跟进一下。",
	},
	"order/": {
		"你好，上次说已经处理了，但到现在还没收到货，物流也没有更新，能再帮我查一下吗？",
		"补发的配件今天收到了，但还是少了一个，麻烦再核实一下。",
	},
	"complaint/": {
		"上次说会有专人回电，到现在也没人联系我，希望尽快给个说法。",
	},
	"aftersale/repair": {
		"你好，师傅上门修过之后好了两天，今天又出现同样的故障了，麻烦再安排一下。",
		"之前报修的问题又出现了，用了几天还是老样子。",
	},
	"aftersale/warranty": {
		"你好，上次说可以保修，但网点说不在保修范围内，麻烦再核实一下。",
	},
	"aftersale/return": {
		"你好，说好的上门取件，快递员一直没来，麻烦再跟进一下。",
	},
	"aftersale/exchange": {
		"换货的新机到现在还没发出，麻烦帮我催一下。",
	},
	"aftersale/refund": {
		"你好，上次说退款已经处理，但到现在还没到账，麻烦再核实一下。",
	},
}

var reopenEN = []string{
	"Hi, I tried what you suggested, but it's happening again. Could you please take another look?",
	"Sorry to bother you again, but nothing has arrived yet. Could you check once more?",
}

var reopenReplyZH = []string{
	"非常抱歉给您带来不便！已重新为您登记并加急处理，有进展会第一时间回复您。",
	"抱歉让您久等了，刚刚再次核实过，已为您重新安排处理，预计 1-2 个工作日内完成，请留意短信通知。",
	"实在抱歉，问题已升级处理，专员今天内会电话联系您确认，给您添麻烦了。",
}

var reopenReplyEN = []string{
	"We're very sorry about this. I've reopened your case and escalated it; we'll update you as soon as we have news.",
	"Apologies for the trouble. I've checked again and arranged for it to be handled within 1-2 working days.",
}

// A duplicate sent through another channel, before anyone answered the first one.
var dupIntroZH = []string{
	"刚才已经提交过一次，怕你们没看到，再发一遍：",
	"之前留言一直没人回复，再问一下：",
}

var dupIntroEN = []string{
	"Sending this again in case my earlier message got lost: ",
}

const mergeNote = "客户通过其他渠道重复提交了同一问题，已将工单 #{other} 合并到本工单。"

const linkNote = "该客户此前的工单 #{other} 与本问题相关，已关联，请一并跟进。"

// A second question in the same conversation, which an agent splits off.
var splitIntroZH = []string{"另外还想咨询一个问题：", "对了，顺便问一下："}

var splitIntroEN = []string{"One more thing: "}

var splitReplyZH = []string{
	"您提到的另一个问题我们已单独创建工单 #{other} 跟进，会在那边回复您。本工单的问题已处理完毕，感谢您的耐心！",
}

var splitReplyEN = []string{
	"I've opened ticket #{other} for your other question and will answer it there. This one is now resolved. Thank you!",
}

// Notes on customer records.
var vipNotes = []string{
	"年度采购客户，优先安排专属客服，重要问题需主管回访。",
	"企业客户，对接人即本人，开票信息已在系统登记。",
	"长期合作客户，近一年复购 6 次，沟通偏好电话。",
}

var customerNotes = []string{
	"偏好电话联系，工作日晚上 7 点后方便接听。",
	"曾因配送延误投诉，后续订单请优先关注物流。",
	"老客户，参加过以旧换新活动。",
	"只接受短信和邮件联系。",
}
