package sample

// enBook is the English phrase book, for English-speaking customers (mostly
// expats in China). Placeholders are listed in template.go. Products are
// always written with "my", "the" or "your" so no article has to agree.
var enBook = bookSrc{
	sep:       " ",
	refPrefix: []string{"", "[#{order}] ", ""},
	refSuffix: []string{" (order #{order})", "", " - order {order}"},
	greet: []string{
		"Hello, thank you for contacting Heyue Appliances support.",
		"Hi there, thanks for reaching out to us!",
		"Hello, this is {me} from Heyue customer service. Happy to help.",
		"Hi, thank you for your patience.",
		"Good day, and thanks for getting in touch.",
		"Hi, {me} here from the Heyue support team.",
	},
	empathy: []string{
		"I'm really sorry for the inconvenience.",
		"I completely understand your frustration, and I apologise.",
		"Sorry to hear about this, and thank you for letting us know.",
		"I'm sorry you've had to wait.",
	},
	extra: []string{
		"Please look into this as soon as possible.",
		"My phone number ends in {tail} if you need to call me.",
		"I have attached a photo to this ticket.",
		"This is my second time contacting you about this.",
		"I'd appreciate a reply today.",
	},
	detail: []string{
		"The order number is {order} and my phone ends in {tail}.",
		"Order #{order}, placed on {date} via {shop}.",
	},
	middle: []string{
		"Thanks for the details. Let me check this for you, one moment please.",
		"I've found your order and I'm confirming with the relevant team now.",
		"Understood. I need to check with a colleague, it should take about ten minutes.",
	},
	follow: []string{
		"How long will that take?",
		"OK, please hurry, it's quite urgent.",
		"Do you need anything else from me?",
		"Can you give me an exact date?",
	},
	internal: []string{
		"Verified the customer's order, phone ends in {tail}.",
		"Customer's second contact about the same issue, please prioritise.",
		"Called the customer to confirm; they agreed to the proposed solution.",
	},
	thanks: []string{
		"Great, thank you!",
		"OK, that works for me. Thanks for your help.",
		"Thanks, that's all I needed.",
		"Perfect, problem solved. Much appreciated!",
		"Alright, I'll wait for the update. Thanks.",
		"Thank you, that's very helpful.",
	},
	closeThanks: []string{
		"You're welcome! Is there anything else I can help you with?",
		"My pleasure. Have a great day!",
		"You're welcome. If anything else comes up, just reply to this ticket.",
		"Thank you for your patience and understanding. Have a nice day!",
		"Glad I could help. You may receive a short satisfaction survey, we'd appreciate your feedback!",
	},
	closeTail: []string{
		"Is there anything else I can help you with?",
		"Please let us know if you have any other questions.",
		"Thank you for your patience.",
		"Just reply to this ticket if anything else comes up.",
	},
	kinds: [numKinds]kindSrc{
		kConsultation: {
			ask: []string{
				"Could you share your order number or the model number so I can look up the details?",
				"Which channel did you buy it from? Policies differ slightly between channels.",
			},
			detail: []string{
				"It's order #{order}, the {model}.",
				"I bought the {model} from {shop} on {date}.",
			},
			middle: []string{
				"Let me check that for you, one moment please.",
				"Let me confirm the latest policy for you.",
			},
			follow: []string{
				"And if it breaks after the warranty ends, how much does a repair cost?",
				"Can your technicians come at the weekend?",
				"Do I need to keep the paper invoice?",
			},
			internal: []string{
				"General enquiry answered, ticket can be closed.",
				"Sent the PDF manual to the customer by email.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Warranty question for {model}", "Warranty on my {model} (bought {date})", "Warranty coverage - order #{order}"},
					open: []string{
						"Hi, I bought the {product} ({model}) from {shop} on {date}. How long is the warranty, and does it cover the whole unit or only the main parts?",
						"Hello, does the warranty on my {model} start from the order date or the installation date? My order number is {order}.",
					},
					resolve: []string{
						"Your {model} has a 3-year full warranty and 6 years on core components, starting from the delivery date. You can download the e-warranty from your order page, so no paper invoice is needed.",
					},
				},
				{
					need:    needApp,
					subject: []string{"How do I connect the {model} to the app?", "App pairing problem with my {model} ({city})"},
					open: []string{
						"I'm trying to connect my {product} ({model}) to the app but it keeps failing. My WiFi is 2.4 GHz. What should I do?",
					},
					resolve: []string{
						"Press and hold the WiFi button on the unit for 5 seconds until it beeps, then tap \"Add device\" in the app and enter your 2.4 GHz WiFi password. I've also emailed you the PDF manual.",
					},
				},
				{
					need:    needBig,
					subject: []string{"Lost the manual for my {model}", "Energy-saving mode on {model}?"},
					open: []string{
						"I lost the manual for my {model}. How do I turn on the energy-saving mode?",
					},
					resolve: []string{
						"Hold the \"Mode\" button on the remote for 3 seconds until \"ECO\" appears on the display. I've emailed you the full manual as a PDF.",
					},
				},
				{
					subject: []string{"Is there a store in {city}?", "Where can I see the {model} in {city}?"},
					open: []string{
						"Hi, I live in {city}. Is there a physical store nearby where I can see the {product} before buying?",
					},
					ask:    []string{"Which part of {city} are you in? I'll find the nearest store for you."},
					detail: []string{"Downtown {city}, ideally near a metro station."},
					resolve: []string{
						"The nearest one is {store}, open 10:00-22:00 every day including weekends. The {model} is on display there.",
					},
				},
				{
					need:    needBig,
					subject: []string{"Trade-in: old {product} for a new {model}?", "Trade-in offer question ({city})"},
					open: []string{
						"Do you have a trade-in programme? I have an eight-year-old {product} I'd like to replace.",
					},
					ask:    []string{"Which brand is your current {product}, and does it still work?"},
					detail: []string{"A different brand. It still works, just not very well."},
					resolve: []string{
						"Yes, our trade-in offer is running now. Your old {product} can be worth up to {small} off, any brand, and the installer will take the old unit away when delivering the new one.",
					},
				},
			},
		},
		kPresale: {
			ask: []string{
				"Could you tell me the size of the room and your budget? Then I can recommend the right model.",
				"Which city are you in? I'll check delivery and installation times for you.",
			},
			detail: []string{
				"The room is about 20 square metres and my budget is around {amount}.",
				"I'm in {city}, and I'd like it installed this week.",
			},
			middle: []string{
				"Thanks! Let me compare the specs of these models for you.",
				"Let me check stock in our {city} warehouse.",
			},
			follow: []string{
				"Is there any coupon I can use?",
				"How soon can it be delivered if I order today?",
				"If the price drops after I buy, can I get the difference back?",
			},
			internal: []string{
				"Potential bulk buyer, quotation sent, follow up tomorrow.",
				"Customer asked about price protection, explained the 30-day policy.",
			},
			scen: []scenSrc{
				{
					subject: []string{"{model} vs other models - which one?", "Which {product} would you recommend? Budget {amount}"},
					open: []string{
						"Hi, I'm looking at the {model}. How does it compare with the other models in the same series? Which one is better value?",
						"I'm furnishing a new flat and need a {product}. My budget is about {amount}. Any recommendations?",
					},
					resolve: []string{
						"Based on what you've told me, I'd recommend the {model}. It's well reviewed, has a low return rate, and is currently {amount}. Orders placed today also come with a {small} coupon and 30-day price protection.",
					},
				},
				{
					need:    needBig,
					subject: []string{"Delivery time to {city} for {model}", "Moving in on {date} - can the {model} be installed by then?"},
					open: []string{
						"If I order the {model} today, how long will delivery to {city} take? Can you deliver and install on the same day?",
					},
					ask:    []string{"Which district of {city} is the delivery address in? I'll check stock and installation slots."},
					detail: []string{"Downtown {city}, and there's a lift in the building."},
					resolve: []string{
						"We have a local warehouse in {city}, so delivery is expected {eta}, and installation can be done on the same day. The installer will call you in advance to confirm the time.",
					},
				},
				{
					subject: []string{"Bulk purchase quote: 20 x {product}", "Business order enquiry - {company}"},
					open: []string{
						"Hello, I'm writing on behalf of {company}. We need about 20 units of the {product} ({model}) for our new office. Do you offer business pricing and VAT invoices?",
					},
					ask:    []string{"Certainly! Could you share the exact quantity, delivery address and invoicing details?"},
					detail: []string{"22 units, delivered to our office in {city}. Please invoice {company}."},
					resolve: []string{
						"I've secured a business price of {amount} per unit, including free installation and an extra year of warranty for orders of 20 or more. A VAT invoice can be issued. The quotation has been sent to your email.",
					},
					internal: []string{"Business customer, 20+ units, handed to the VIP service account manager."},
				},
			},
		},
		kOrder: {
			empathy: true, problem: true,
			ask: []string{
				"Could you please share your order number? I'll check it right away.",
				"Please give me the order number and the last four digits of the recipient's phone.",
				"Could you confirm the last four digits of the recipient's phone, please?",
			},
			detail: []string{
				"It's order {order}, placed on {date}.",
				"Order #{order}, phone ends in {tail}.",
				"It ends in {tail}, I'm the recipient.",
			},
			middle: []string{
				"I've found your order and I'm checking the delivery status with the warehouse now.",
				"Thank you for waiting. I've asked our logistics team to prioritise it.",
			},
			follow: []string{
				"Can you ask them to hurry? We really need it.",
				"Can the courier call before delivery? Nobody is home during the day.",
				"Can the installation be arranged as soon as it arrives?",
			},
			internal: []string{
				"Contacted the logistics department, expecting an answer tomorrow.",
				"Chased {courier}, tracking {tracking}.",
				"Model out of stock locally, requested transfer from the {city} warehouse.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Order delayed - #{order}", "Order #{order} still not shipped", "Where is my {product}? Order delayed"},
					open: []string{
						"Hi, I placed order #{order} for the {product} ({model}) on {date}. The site said it would ship within 48 hours, but it still says \"awaiting shipment\". Why is my order delayed?",
						"Why is my order delayed? Order {order} was supposed to arrive by {date} and there's still no delivery update.",
					},
					resolve: []string{
						"I'm sorry your order was delayed. Demand for the {model} has been very high, but I've escalated it and it will ship today. You'll receive the tracking number by SMS.",
						"Your order has been prioritised and will be dispatched {eta}. As an apology for the order delay, we've added a {small} coupon to your account.",
					},
				},
				{
					subject: []string{"Delivery stuck - tracking {tracking}", "No delivery update for 3 days (order #{order})"},
					open: []string{
						"My {product} was shipped with {courier} (tracking {tracking}), but the tracking hasn't updated for three days. It's stuck at the {city} hub. When will the delivery happen?",
					},
					resolve: []string{
						"I've contacted {courier}: the parcel was held up by a backlog at the sorting centre. It's now been prioritised and delivery is expected {eta}. The courier will call you before arriving.",
						"I've logged a delivery exception. If it doesn't arrive {eta}, we'll send you a new {product} straight away.",
					},
				},
				{
					subject: []string{"Invoice request for order #{order}", "Need a VAT invoice for {company}"},
					open: []string{
						"Hello, I need an invoice for order #{order} ({amount}). The invoice title should be {company}.",
					},
					ask:    []string{"Sure. Please send the invoice title, tax ID and the email address for the e-invoice."},
					detail: []string{"Title: {company}. I've attached the tax ID. Please send it to the email on my account."},
					resolve: []string{
						"Your e-invoice for {amount} has been issued to {company} and will arrive in your inbox within 1-2 business days. You can also download it from the order page.",
					},
					internal: []string{"Invoice request sent to finance, title {company}."},
				},
				{
					need:    needBig,
					subject: []string{"Missing accessories - order #{order}", "Remote control missing from my {product}"},
					open: []string{
						"I received my {product} today, but the remote control and installation kit are missing. Order #{order}.",
					},
					resolve: []string{
						"Sorry about that, the warehouse missed the accessories. We've sent them by {courier}, tracking {tracking}, expected {eta}.",
					},
				},
				{
					subject: []string{"Wrong item received instead of {model}", "Wrong model delivered - order #{order}"},
					open: []string{
						"I ordered the {model} but received a different model. What should I do?",
					},
					resolve: []string{
						"The warehouse sent the wrong item, sorry. The correct {model} will be delivered {eta} and the courier will take the wrong one back at no cost to you.",
					},
				},
			},
		},
		kComplaint: {
			empathy: true, problem: true,
			ask: []string{
				"I've noted everything you described. Could you share the order number so we can investigate?",
				"I understand how frustrating this is. Could you tell me a bit more about what happened?",
			},
			detail: []string{
				"Order #{order}, phone ends in {tail}.",
				"It's exactly as I said. Order #{order}. This is not the first time, and I'm really disappointed.",
			},
			middle: []string{
				"I completely understand. This is our fault, and I've escalated it to the complaints team supervisor. Please give me a little more time.",
				"I've spoken to the person in charge and we're working out a fair solution for you.",
			},
			follow: []string{
				"So what are you going to do about it?",
				"I don't need another apology, I need a solution.",
				"I'd like your answer in writing, please.",
			},
			internal: []string{
				"Customer very upset, escalated to complaints team lead, call back within 24h.",
				"Risk of a negative review, confirm satisfaction after resolution.",
			},
			thanks: []string{
				"OK, I'll accept that. Please make sure it doesn't happen again.",
				"Fine, thank you for sorting it out.",
			},
			close: []string{
				"Once again, we apologise. We'll use your feedback to improve, and thank you for your understanding.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Complaint: delivery one week late ({city})", "Complaint: order #{order} never arrived"},
					open: []string{
						"I ordered on {date} (order #{order}) with next-day delivery, and a week later it still hasn't arrived! I've called three times and every time I'm told you're \"chasing it\". This is unacceptable.",
					},
					resolve: []string{
						"I'm very sorry. We've arranged a dedicated delivery with {courier}, guaranteed {eta}. As compensation, {small} will be refunded to your original payment method.",
					},
				},
				{
					need:    needBig,
					subject: []string{"Complaint: rude installer ({city})", "Complaint: installer two hours late on {date}"},
					open: []string{
						"The installer who came to fit my {product} yesterday was two hours late, complained the whole time and left a mess on my wall. When I said something, he started arguing with me.",
					},
					resolve: []string{
						"I'm so sorry for this experience. We've taken action with the installer, the service centre manager will call you today to apologise and arrange for the wall to be cleaned, and we've added a {small} coupon to your account.",
					},
				},
				{
					need:    needBig,
					subject: []string{"Complaint: overcharged {small} for installation", "Complaint: installer charged extra for my {model}"},
					open: []string{
						"The installer charged me {small} extra for \"extra pipes\" with no receipt. That's far above your official price list.",
					},
					resolve: []string{
						"I'm sorry. The installer didn't follow our official price list. The {small} will be refunded within 1-3 business days, and he won't be assigned new jobs until this is reviewed.",
					},
				},
				{
					subject: []string{"Complaint: {product} broke down twice", "Complaint: {model} keeps failing"},
					open: []string{
						"My {product} ({model}) is less than six months old and it has broken down twice. A few days after each repair it's {fault} again. I don't want another repair, I want a replacement or a refund!",
					},
					resolve: []string{
						"You're entitled to a replacement under our quality guarantee. A new unit will be delivered and installed {eta}, and the old one will be collected at the same time.",
						"We'll give you a full refund of {amount}. The refund will reach your original payment method within 1-3 business days, and we'll collect the unit from your home.",
					},
				},
			},
		},
		kSuggestion: {
			ask: []string{
				"Thank you so much for the suggestion! Could you tell me in what situation you ran into this?",
				"Thanks for the feedback. Is there anything else you'd like us to improve?",
			},
			detail: []string{
				"Mostly when I ordered my {product} on {date}, I couldn't see any progress.",
				"Not really, I just think it would make things easier.",
			},
			middle: []string{
				"I've written down your suggestion in detail.",
			},
			follow: []string{
				"When do you think it might be improved?",
			},
			internal: []string{
				"User suggestion logged, forwarded to the product team.",
			},
			resolve: []string{
				"Your suggestion has been passed to the product team for review. We'll let you know if it's implemented, and as a thank-you we've added a {small} coupon to your account.",
			},
			thanks: []string{
				"No problem, hope it helps. Keep up the good work.",
				"Thanks for listening!",
				"Great, looking forward to it.",
			},
			scen: []scenSrc{
				{
					need:    needBig,
					subject: []string{"Suggestion: delivery time slots for large appliances ({city})", "Suggestion: let me pick a delivery slot for my {model}"},
					open: []string{
						"It would be great if your app allowed choosing a delivery time slot for large appliances. Right now it just says \"delivered today\" and I have to stay home all day.",
					},
				},
				{
					subject: []string{"Suggestion: less packaging for the {model}", "Too much packaging on my {product} ({date})"},
					open: []string{
						"The {product} I received came with so much foam and plastic. Could you use more eco-friendly packaging, or take the packaging away after delivery?",
					},
				},
				{
					subject: []string{"Suggestion: longer English support hours ({city})", "Suggestion: English callback service"},
					open: []string{
						"As an English speaker it's hard to get help in the evening. Could you extend English chat support hours, or offer a callback service?",
					},
				},
				{
					subject: []string{"Suggestion: combined invoices for business orders", "Invoicing suggestion from {company}"},
					open: []string{
						"Our company buys from you regularly. Please allow one invoice for several orders, it would save us a lot of time.",
					},
				},
			},
		},
		kPraise: {
			ask: []string{
				"Thank you so much for your kind words! Could you share the order number so we can pass this on?",
			},
			detail: []string{
				"Sure, it's order #{order}.",
			},
			middle: []string{
				"Noted, thank you!",
			},
			follow: []string{
				"Please do pass it on, I really appreciated it.",
			},
			internal: []string{
				"Customer praise, forwarded to the service centre manager.",
			},
			thanks: []string{
				"You're welcome, I'll definitely buy from you again.",
				"Thanks again, great service!",
				"No problem, keep up the good work!",
			},
			scen: []scenSrc{
				{
					need:    needBig,
					subject: []string{"Great job by installer {tech}", "Thanks to {tech} for installing my {model}"},
					open: []string{
						"{tech}, who installed my {product} on {date}, was excellent: on time, wore shoe covers, cleaned up afterwards and patiently explained how everything works. Please pass on my thanks!",
					},
					resolve: []string{
						"We've passed your praise on to {tech}'s service centre, and he'll receive a formal commendation. Thank you for taking the time to tell us!",
					},
				},
				{
					subject: []string{"Thank you, {agent}!", "Excellent support from {agent} (order #{order})"},
					open: []string{
						"I want to thank {agent} from your support team. {agent} followed up on my refund every day and solved it quickly. Great service!",
					},
					resolve: []string{
						"We've shared your message with {agent} and the team lead. It really means a lot to us, thank you!",
					},
				},
				{
					need:    needBig,
					subject: []string{"Super fast delivery of my {model}", "Thanks to the {courier} delivery team in {city}"},
					open: []string{
						"Ordered my {product} on {date} and it arrived the next day. The delivery team even carried it up six floors. Fantastic service!",
					},
					resolve: []string{
						"Thank you! We'll share your feedback with our delivery team. We'd also love it if you left a product review.",
					},
				},
			},
		},
		kRepair: {
			empathy: true, problem: true,
			ask: []string{
				"Could you provide the order number and model, and describe when the problem started?",
				"Could you tell me your city and when it's convenient for a technician to visit?",
			},
			detail: []string{
				"Order #{order}, model {model}. It started last week.",
				"I'm in {city}, weekday evenings or weekends work best.",
			},
			middle: []string{
				"Your unit is still under warranty. I'm booking a technician for you now.",
				"Could you first try unplugging it for 5 minutes and then switching it back on?",
			},
			follow: []string{
				"Will I have to pay for the visit? It's still under warranty, right?",
				"Can the technician come at the weekend?",
				"I already tried restarting it, same problem.",
			},
			internal: []string{
				"Job dispatched to the {city} service centre, {tech} visiting {eta}.",
				"Second repair request within 30 days, please pay extra attention.",
			},
			scen: []scenSrc{
				{
					need:    needBig,
					subject: []string{"Repair request for my {product} ({model})", "Repair needed: my {model} is {fault}", "Technician visit for my {product} in {city}"},
					open: []string{
						"Hello, my {product} ({model}) started acting up two days ago: it's {fault}. I bought it on {date}, so it should still be under warranty. Could you send a technician for a repair?",
						"My {product} is {fault} and restarting didn't help. Order #{order}. Please arrange a repair as soon as possible.",
					},
					resolve: []string{
						"I've booked technician {tech} to visit {eta}. He'll call before setting off. Since the unit is under warranty, the repair and parts are free of charge.",
					},
				},
				{
					need:    needGadget,
					subject: []string{"Mail-in repair for my {model}", "My {product} is {fault} - repair under warranty?"},
					open: []string{
						"My {product} ({model}) is {fault}. I bought it on {date}, so it's under warranty. How do I send it in for repair?",
					},
					ask:    []string{"Could you share the order number and describe what happens exactly?"},
					detail: []string{"Order #{order}. It's {fault} most of the time, and it hasn't been dropped or got wet."},
					resolve: []string{
						"I've created a mail-in repair order. {courier} will pick it up {eta}; the repair centre usually fixes and returns it within 3-5 business days, free of charge under warranty.",
					},
					internal: []string{"Mail-in repair order created, {courier} pickup booked."},
				},
				{
					need:    needBig,
					subject: []string{"Out-of-warranty repair for my {product}", "Repair cost for {model}?"},
					open: []string{
						"My {product} is three years old and out of warranty. Now it's {fault}. How much would a repair cost?",
					},
					resolve: []string{
						"Out-of-warranty repairs have a ¥50 call-out fee, and parts are charged at official prices. The technician will quote before starting. {tech} will come {eta}.",
					},
				},
			},
		},
		kReturn: {
			empathy: true, problem: true,
			ask: []string{
				"Has the item been unpacked or used? Are all accessories and the box still there?",
				"Could you share the order number and the reason for the return?",
			},
			detail: []string{
				"I only opened the outer box; everything is still there. Order #{order}.",
				"Order #{order}, delivered on {date}, so still within 7 days.",
			},
			middle: []string{
				"Your order qualifies for a 7-day no-questions-asked return. I'm submitting the return request now.",
			},
			follow: []string{
				"Who pays for the return shipping?",
				"How long does the refund take?",
				"Do I need to send it back myself or will someone collect it?",
			},
			internal: []string{
				"Return request submitted, waiting for QC inspection.",
				"Large item return, {courier} pickup booked.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Return request - order #{order}", "I'd like to return my {model}"},
					open: []string{
						"Hi, I received my {product} ({model}) on {date} and it doesn't suit my needs. I'd like to return it under the 7-day no-questions-asked policy. The packaging is intact.",
					},
					resolve: []string{
						"Your return has been submitted. {courier} will collect it {eta} at no cost to you. Once the warehouse checks the item, your refund of {amount} will be issued within 1-3 business days.",
					},
				},
				{
					subject: []string{"Faulty on arrival: {model}, want a refund", "Returning my {product} - it's {fault}"},
					open: []string{
						"The {product} I received (order #{order}) was {fault} right out of the box. I don't want a replacement, I want to return it for a refund.",
					},
					resolve: []string{
						"Since it's a quality issue, we'll cover shipping both ways. {courier} will collect it {eta}, and once the fault is confirmed a full refund of {amount} will follow within 1-3 business days.",
					},
				},
			},
		},
		kExchange: {
			empathy: true, problem: true,
			ask: []string{
				"Could you upload a photo or video of the issue to this ticket? Then I'll arrange the exchange.",
				"Could you share the order number and the model or colour you'd like instead?",
			},
			detail: []string{
				"Photo attached, order #{order}. The problem is obvious.",
				"Order #{order}, the same {model} is fine.",
			},
			middle: []string{
				"Thanks for the photo, that's clearly a product issue. I'm arranging the exchange now.",
			},
			follow: []string{
				"How long will the exchange take?",
				"Do I have to pack the old one myself?",
			},
			internal: []string{
				"Stock confirmed, replacement ships from the {city} warehouse.",
				"Asked quality control to inspect the returned unit.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Exchange request: damaged {product}", "Scratches on my {model}, need an exchange"},
					open: []string{
						"My {product} ({model}) arrived today with a big crack in the casing, probably from shipping. I'd like to exchange it for a new one.",
					},
					resolve: []string{
						"Your exchange has been arranged. The new unit will arrive {eta}, and the courier will take the damaged one back at the same time. Please keep the original packaging.",
					},
				},
				{
					need:    needBig,
					subject: []string{"{model} faulty within 10 days - exchange", "Exchange my {product}: it's {fault}"},
					open: []string{
						"I bought the {product} on {date} and after less than ten days it's {fault}. I believe I can get a replacement within 15 days? Order #{order}.",
					},
					resolve: []string{
						"Yes, this qualifies for a 15-day replacement. {tech} will visit {eta} to confirm the fault, and the new unit will be delivered and installed right after.",
					},
				},
				{
					subject: []string{"Change colour for order #{order}"},
					open: []string{
						"The colour of my {model} looks quite different from the photos. It's still sealed. Can I exchange it for another colour? Order #{order}.",
					},
					resolve: []string{
						"No problem, the other colour is in stock. {courier} will pick up the item {eta} and the new one ships at the same time, with no price difference to pay.",
					},
				},
			},
		},
		kRefund: {
			empathy: true, problem: true,
			ask: []string{
				"Please share your order number and I'll check the refund status.",
				"Could you give me the order number and the refund amount?",
				"How did you pay? Refund times depend on the payment method.",
			},
			detail: []string{
				"It's order {order}, paid by credit card.",
				"Order #{order}, refund of {amount}.",
				"With WeChat Pay.",
			},
			middle: []string{
				"I can see your refund request, it's under review by finance. I'll ask them to speed it up.",
				"I'm checking with our finance team now, one moment please.",
			},
			follow: []string{
				"Where will the refund go? I paid by credit card.",
				"What if it still hasn't arrived by then?",
			},
			internal: []string{
				"Refund of {amount} submitted to finance for approval.",
				"Finance confirmed the refund, waiting for bank processing.",
			},
			thanks: []string{
				"Got the refund, thank you!",
			},
			scen: []scenSrc{
				{
					subject: []string{"Refund not received - order #{order}", "Where is my refund? ({amount})", "Refund status for order #{order}"},
					open: []string{
						"Hi, I requested a refund for order #{order} ({amount}) on {date}, and it's been a week with no refund. Could you check what's going on?",
						"Your warehouse received my returned {product} on {date}, but I still haven't received my refund.",
					},
					middle: []string{"The warehouse has received your return and quality control is checking it now."},
					resolve: []string{
						"Your refund of {amount} has been approved and will be returned to your original payment method within 1-3 business days. Credit card refunds can take a little longer.",
						"Sorry for the wait. Your refund of {amount} was processed just now. WeChat Pay and Alipay refunds are usually instant; bank cards take 1-3 business days.",
					},
				},
				{
					subject: []string{"Cancel order #{order} and refund", "Please cancel my {product} order"},
					open: []string{
						"I'd like to cancel order #{order} for the {product}. It hasn't shipped yet, so please refund me.",
					},
					resolve: []string{
						"Your order has been cancelled and {amount} will be refunded to your original payment method within 1-3 business days.",
					},
				},
				{
					subject: []string{"Price dropped on {model} - partial refund?", "Price protection refund for order #{order}"},
					open: []string{
						"I bought the {model} on {date} for {amount}, and today it's {small} cheaper. I'm still within the 30-day price protection window, so I'd like a refund of the difference.",
					},
					resolve: []string{
						"I've applied price protection for you. The difference of {small} will be refunded within 24 hours.",
					},
				},
			},
		},
		kWarranty: {
			problem: true,
			ask: []string{
				"Could you provide the order number or the serial number so I can check the warranty status?",
				"Where did you buy it? Could you share proof of purchase?",
			},
			detail: []string{
				"Order #{order}, the {model} bought on {date}.",
				"From {shop}. I lost the invoice, but I've uploaded a photo of the serial number.",
			},
			middle: []string{
				"I've found your purchase record. Let me confirm the warranty details.",
			},
			follow: []string{
				"Is the warranty still valid without the paper invoice?",
				"Does the extended warranty cover everything?",
			},
			internal: []string{
				"Extended warranty registered, effective today.",
				"No paper invoice, electronic order used as proof of purchase.",
			},
			scen: []scenSrc{
				{
					subject: []string{"Is my {model} still under warranty?", "Warranty check for order #{order}"},
					open: []string{
						"My {product} ({model}) was bought on {date} and now it's {fault}. Is it still under warranty?",
					},
					resolve: []string{
						"Your {model} is covered until {date}, 2027, so you're within warranty. Don't worry about the invoice, our electronic order record serves as proof of purchase.",
					},
				},
				{
					subject: []string{"Extended warranty for my {product}", "How do I buy an extended warranty for {model}?"},
					open: []string{
						"My {model} warranty is about to expire. Can I buy an extended warranty, and how much is it?",
					},
					resolve: []string{
						"Yes, a 2-year extended warranty for your {product} costs ¥299 and includes free on-site repairs and parts. I've sent you the purchase link; it takes effect as soon as you pay.",
					},
				},
			},
		},
	},
}
